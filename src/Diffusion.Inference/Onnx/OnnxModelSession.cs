using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;

namespace Diffusion.Inference.Onnx;

/// <summary>
/// One ONNX model file: its session (created once, disposed with this object), its input/output
/// metadata for binding by name, rank and element type, and the time spent inside <c>Run</c>.
/// </summary>
public sealed class OnnxModelSession : IDisposable
{
    private const string CudaProvider = "CUDAExecutionProvider";
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private long _runTicks;
    private long _runCount;

    private OnnxModelSession(string path, InferenceSession session)
    {
        ModelPath = path;
        _session = session;
        Inputs = session.InputMetadata;
        Outputs = session.OutputMetadata;
    }

    public string ModelPath { get; }

    public IReadOnlyDictionary<string, NodeMetadata> Inputs { get; }

    public IReadOnlyDictionary<string, NodeMetadata> Outputs { get; }

    /// <summary>Wall time spent inside ONNX Runtime's Run over this session's life (all threads).</summary>
    public TimeSpan RunTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _runTicks));

    public long RunCount => Interlocked.Read(ref _runCount);

    public static OnnxModelSession Open(string modelPath, OnnxRuntimeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (!File.Exists(modelPath))
        {
            throw new FileNotFoundException($"ONNX model not found: {modelPath}", modelPath);
        }
        using var sessionOptions = CreateSessionOptions(options);
        try
        {
            return new OnnxModelSession(modelPath, new InferenceSession(modelPath, sessionOptions));
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"ONNX Runtime could not load {modelPath}: {e.Message}", e);
        }
    }

    /// <summary>Session options for the chosen provider; fails early and clearly when CUDA is asked for but absent.</summary>
    public static SessionOptions CreateSessionOptions(OnnxRuntimeOptions options)
    {
        var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = options.IntraOpThreads,
            InterOpNumThreads = 1,
        };
        if (!options.AllowSpinning)
        {
            sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        }
        if (options.ExecutionProvider == ExecutionProviderKind.Cuda)
        {
            try
            {
                var available = OrtEnv.Instance().GetAvailableProviders();
                if (!available.Contains(CudaProvider))
                {
                    throw new InvalidOperationException(CudaMissingMessage(string.Join(", ", available)));
                }
                sessionOptions.AppendExecutionProvider_CUDA(options.DeviceId);
            }
            catch (OnnxRuntimeException e)
            {
                sessionOptions.Dispose();
                throw new InvalidOperationException(CudaMissingMessage(e.Message), e);
            }
            catch (InvalidOperationException)
            {
                sessionOptions.Dispose();
                throw;
            }
        }
        return sessionOptions;
    }

    private static string CudaMissingMessage(string detail) =>
        "The CUDA execution provider was requested, but this ONNX Runtime build has no CUDA support " +
        $"({detail}). Install the GPU build (replace the Microsoft.ML.OnnxRuntime package with " +
        "Microsoft.ML.OnnxRuntime.Gpu) and the CUDA and cuDNN libraries it needs, or use the CPU provider.";

    public NodeMetadata Input(string name) => Inputs.TryGetValue(name, out var meta)
        ? meta
        : throw new InvalidDataException($"{ModelPath} has no input '{name}' (inputs: {string.Join(", ", Inputs.Keys)}).");

    public NodeMetadata Output(string name) => Outputs.TryGetValue(name, out var meta)
        ? meta
        : throw new InvalidDataException($"{ModelPath} has no output '{name}' (outputs: {string.Join(", ", Outputs.Keys)}).");

    /// <summary>Runs with caller-owned output tensors (no allocation by ONNX Runtime).</summary>
    public void Run(IReadOnlyCollection<string> inputNames, IReadOnlyCollection<OrtValue> inputs,
        IReadOnlyCollection<string> outputNames, IReadOnlyCollection<OrtValue> outputs)
    {
        var start = Stopwatch.GetTimestamp();
        _session.Run(_runOptions, inputNames, inputs, outputNames, outputs);
        Account(start);
    }

    /// <summary>Runs and lets ONNX Runtime allocate the outputs; the caller disposes them.</summary>
    public IDisposableReadOnlyCollection<OrtValue> Run(IReadOnlyCollection<string> inputNames, IReadOnlyCollection<OrtValue> inputs,
        IReadOnlyCollection<string> outputNames)
    {
        var start = Stopwatch.GetTimestamp();
        var result = _session.Run(_runOptions, inputNames, inputs, outputNames);
        Account(start);
        return result;
    }

    private void Account(long start)
    {
        Interlocked.Add(ref _runTicks, Stopwatch.GetTimestamp() - start);
        Interlocked.Increment(ref _runCount);
    }

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }
}

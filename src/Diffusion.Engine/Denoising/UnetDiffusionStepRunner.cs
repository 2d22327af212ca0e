using System.Diagnostics;
using System.Numerics.Tensors;
using Diffusion.Engine.Scheduling;
using Diffusion.Inference.Onnx;
using Diffusion.Inference.Pipeline;

namespace Diffusion.Engine.Denoising;

/// <summary>
/// One denoising step for a batch of diffusion jobs in one UNet call. Jobs may be at different steps
/// (per-sample timesteps) with different prompts (per-sample conditioning); classifier-free guidance
/// runs as a doubled batch — the unconditional rows of the guided jobs first, then every job's
/// conditional row, as the pipeline lays them out — and each job applies its own guidance scale and
/// steps its own sampler run. The latent is read from and written back to the job's pool blocks. A job with output
/// reuse on (<see cref="DenoisingJobState.OutputReuse"/>) may step on its last output and take no row this iteration.
/// Not thread-safe: the engine loop is its only caller.
/// </summary>
public sealed class UnetDiffusionStepRunner : IDiffusionStepRunner
{
    private readonly UnetModel _unet;
    private readonly LatentShape _shape;
    private UnetBatch? _batch;
    private float[] _latents = [];
    private float[] _inputs = [];
    private float[] _guided = [];

    // Which job's conditioning each row holds, so unchanged rows are not copied again every step.
    private float[]?[] _rowConditioning = [];

    public UnetDiffusionStepRunner(UnetModel unet)
    {
        _unet = unet ?? throw new ArgumentNullException(nameof(unet));
        _shape = new LatentShape(unet.Channels, unet.LatentHeight, unet.LatentWidth);
    }

    /// <summary>The latent shape this UNet takes; jobs of any other shape are refused.</summary>
    public LatentShape Shape => _shape;

    /// <summary>UNet calls made (the model may split a call by timestep; see <see cref="UnetModel"/>).</summary>
    public long Calls { get; private set; }

    public ValueTask<DiffusionBatchOutput> RunStepAsync(DiffusionBatchPlan batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        cancellationToken.ThrowIfCancellationRequested();
        if (batch.Shape != _shape)
        {
            throw new ArgumentException($"the batch holds latents of shape {batch.Shape}; this UNet takes {_shape}");
        }

        int n = batch.Steps.Count;
        int length = _shape.Elements;
        var states = new DenoisingJobState[n];
        for (int j = 0; j < n; j++)
        {
            states[j] = StateOf(batch.Steps[j]);
            CheckConditioning(batch.Steps[j], states[j]);
        }

        EnsureCapacity(n);
        // each job's latent in, its scaled model input, and whether it reuses its last output this step
        var reuses = new bool[n];
        int guided = 0, computing = 0;
        for (int j = 0; j < n; j++)
        {
            ScheduledDiffusionStep step = batch.Steps[j];
            DenoisingJobState state = states[j];
            Span<float> latent = _latents.AsSpan(j * length, length);
            step.Latents.CopyTo(latent);
            Capture(state, step, state.Scheduler.Timesteps[step.Step], latent);
            Span<float> input = _inputs.AsSpan(j * length, length);
            state.Scheduler.ScaleModelInput(latent, step.Step, input);
            reuses[j] = state.OutputReuse?.MayReuse(input, step.Step, step.TotalSteps) == true;
            if (!reuses[j])
            {
                computing++;
                guided += state.Guided ? 1 : 0;
            }
        }

        // the computing jobs' rows: the unconditional rows of the guided ones first, then every one's conditional row
        int rows = guided + computing;
        UnetBatch unet = EnsureBatch(Math.Max(1, rows));
        var conditionalRows = new int[n];
        var unconditionalRows = new int[n];
        for (int j = 0, c = 0, u = 0; j < n; j++)
        {
            if (reuses[j])
            {
                continue;
            }

            DenoisingJobState state = states[j];
            float timestep = state.Scheduler.Timesteps[batch.Steps[j].Step];
            int row = conditionalRows[j] = guided + c++;
            _inputs.AsSpan(j * length, length).CopyTo(unet.Sample(row));
            unet.Timesteps[row] = timestep;
            SetConditioning(unet, row, state.Conditional);
            if (state.Guided)
            {
                unet.Sample(row).CopyTo(unet.Sample(u));
                unet.Timesteps[u] = timestep;
                SetConditioning(unet, u, state.Unconditional!);
                unconditionalRows[j] = u++;
            }
        }

        TimeSpan math = TimeSpan.Zero;
        if (rows > 0)
        {
            unet.Count = rows;
            long started = Stopwatch.GetTimestamp();
            _unet.Run(unet);
            math = Stopwatch.GetElapsedTime(started);
            Calls++;
        }

        for (int j = 0; j < n; j++)
        {
            ScheduledDiffusionStep step = batch.Steps[j];
            DenoisingJobState state = states[j];
            Span<float> latent = _latents.AsSpan(j * length, length);
            if (reuses[j])
            {
                state.OutputReuse!.MarkReused();
                state.Scheduler.Step(state.OutputReuse.LastOutput, step.Step, latent, latent);
            }
            else
            {
                ReadOnlySpan<float> output = unet.Output(conditionalRows[j]);
                if (state.Guided)
                {
                    // ε = ε_u + g·(ε_c − ε_u), computed exactly as the pipeline's denoising loop does.
                    ReadOnlySpan<float> unconditional = unet.Output(unconditionalRows[j]);
                    TensorPrimitives.Subtract(output, unconditional, _guided);
                    TensorPrimitives.MultiplyAdd(_guided, state.GuidanceScale, unconditional, _guided);
                    output = _guided;
                }

                state.OutputReuse?.Computed(output);
                state.Scheduler.Step(output, step.Step, latent, latent);
                state.UnetTime += math * ((state.Guided ? 2.0 : 1.0) / rows);
            }

            step.Latents.CopyFrom(latent);
            state.StepsRun++;
        }

        return ValueTask.FromResult(new DiffusionBatchOutput(math));
    }

    private static DenoisingJobState StateOf(ScheduledDiffusionStep step)
    {
        if (step.Conditioning is not DenoisingJobState state)
        {
            throw new ArgumentException(
                $"{step.Request} carries no {nameof(DenoisingJobState)} (submit diffusion jobs through {nameof(EngineImageGenerator)})");
        }

        if (state.Scheduler.NumInferenceSteps != step.TotalSteps || step.Step < 0 || step.Step >= step.TotalSteps)
        {
            throw new ArgumentException(
                $"{step.Request}: step {step.Step} of {step.TotalSteps} does not fit its {state.Scheduler.NumInferenceSteps}-step sampler run");
        }

        return state;
    }

    private void CheckConditioning(ScheduledDiffusionStep step, DenoisingJobState state)
    {
        if (state.Conditional.Length != _unet.HiddenLength)
        {
            throw new ArgumentException(
                $"{step.Request}: its conditioning has {state.Conditional.Length} values; the UNet takes {_unet.SequenceLength}×{_unet.HiddenSize}");
        }
    }

    private static void Capture(DenoisingJobState state, ScheduledDiffusionStep step, float timestep, ReadOnlySpan<float> latent)
    {
        if (state.OnCapture is { } capture && state.CaptureSteps is { } steps && steps.Contains(step.Step))
        {
            capture(new LatentCapture(step.Step, step.TotalSteps, timestep, latent.ToArray()));
        }
    }

    private void SetConditioning(UnetBatch unet, int row, float[] states)
    {
        if (!ReferenceEquals(_rowConditioning[row], states))
        {
            states.CopyTo(unet.HiddenState(row));
            _rowConditioning[row] = states;
        }
    }

    private UnetBatch EnsureBatch(int rows)
    {
        if (_batch is null || _batch.Capacity < rows)
        {
            _batch = _unet.CreateBatch(rows);
            _rowConditioning = new float[]?[rows];
        }

        return _batch;
    }

    private void EnsureCapacity(int jobs)
    {
        if (_latents.Length < jobs * _shape.Elements)
        {
            _latents = new float[jobs * _shape.Elements];
            _inputs = new float[jobs * _shape.Elements];
        }

        if (_guided.Length != _shape.Elements)
        {
            _guided = new float[_shape.Elements];
        }
    }
}

using System.Numerics.Tensors;
using Diffusion.Inference.Onnx;
using Diffusion.Inference.Pipeline;

namespace Diffusion.Cache.Denoising;

/// <summary>
/// Iteration-level batching of denoising jobs (Orca's idea, for the cache's benchmark and calibration):
/// each <see cref="Step"/> runs one UNet call over every active job, each at its own step with its own
/// timestep, conditioning and guidance; jobs join between steps and leave when done. Per job the math is
/// the pipeline's denoising loop, so a job's result matches <see cref="DiffusionPipeline.Generate"/>.
/// Not thread-safe.
/// </summary>
public sealed class IterationBatcher
{
    private readonly UnetModel _unet;
    private readonly UnetBatch _batch;
    private readonly List<DenoiseJob> _active = [];
    private readonly float[] _guided;

    public IterationBatcher(UnetModel unet, int maxRows)
    {
        _unet = unet ?? throw new ArgumentNullException(nameof(unet));
        if (maxRows < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(maxRows), maxRows, "a batch needs room for at least one guided job (2 rows).");
        }
        MaxRows = maxRows;
        _batch = unet.CreateBatch(maxRows);
        _guided = new float[unet.SampleLength];
    }

    public int MaxRows { get; }

    public IReadOnlyList<DenoiseJob> Active => _active;

    /// <summary>UNet rows the active jobs take per step.</summary>
    public int RowsInUse => _active.Sum(j => j.Rows);

    /// <summary>Whether <paramref name="job"/> fits next to the active jobs.</summary>
    public bool Fits(DenoiseJob job) => RowsInUse + job.Rows <= MaxRows;

    public void Add(DenoiseJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.Latent.Length != _unet.SampleLength || job.CondHidden.Length != _unet.HiddenLength
            || (job.UncondHidden is not null && job.UncondHidden.Length != _unet.HiddenLength))
        {
            throw new ArgumentException($"a job needs a [{_unet.SampleLength}] latent and [{_unet.HiddenLength}] conditioning.", nameof(job));
        }
        if (!Fits(job))
        {
            throw new InvalidOperationException($"the batch is full ({RowsInUse} of {MaxRows} rows in use).");
        }
        if (job.IsDone)
        {
            throw new ArgumentException("the job has no step left to run.", nameof(job));
        }
        _active.Add(job);
    }

    /// <summary>Runs one step of every active job in one UNet call; returns (and removes) the jobs that finished.</summary>
    public IReadOnlyList<DenoiseJob> Step()
    {
        if (_active.Count == 0)
        {
            return [];
        }
        var row = 0;
        var rows = new (int Cond, int Uncond)[_active.Count];
        for (var j = 0; j < _active.Count; j++)
        {
            var job = _active[j];
            if (job.CaptureSteps?.Contains(job.Step) == true && job.OnCapture is { } capture)
            {
                capture(new LatentCapture(job.Step, job.Run.NumInferenceSteps, job.Run.Timesteps[job.Step], (float[])job.Latent.Clone()));
            }
            var timestep = job.Run.Timesteps[job.Step];
            var cond = row++;
            job.Run.ScaleModelInput(job.Latent, job.Step, _batch.Sample(cond));
            _batch.Timesteps[cond] = timestep;
            job.CondHidden.CopyTo(_batch.HiddenState(cond));
            var uncond = -1;
            if (job.Rows == 2)
            {
                uncond = row++;
                _batch.Sample(cond).CopyTo(_batch.Sample(uncond));
                _batch.Timesteps[uncond] = timestep;
                job.UncondHidden!.CopyTo(_batch.HiddenState(uncond));
            }
            rows[j] = (cond, uncond);
        }
        _batch.Count = row;
        _unet.Run(_batch);

        var finished = new List<DenoiseJob>();
        for (var j = 0; j < _active.Count; j++)
        {
            var job = _active[j];
            var (cond, uncond) = rows[j];
            if (uncond >= 0)
            {
                // ε = ε_u + g·(ε_c − ε_u), as the pipeline's loop computes it
                TensorPrimitives.Subtract(_batch.Output(cond), _batch.Output(uncond), _guided);
                TensorPrimitives.MultiplyAdd(_guided, job.GuidanceScale, _batch.Output(uncond), _guided);
                job.Run.Step(_guided, job.Step, job.Latent, job.Latent);
            }
            else
            {
                job.Run.Step(_batch.Output(cond), job.Step, job.Latent, job.Latent);
            }
            job.Step++;
            if (job.IsDone)
            {
                finished.Add(job);
            }
        }
        _active.RemoveAll(j => j.IsDone);
        return finished;
    }
}

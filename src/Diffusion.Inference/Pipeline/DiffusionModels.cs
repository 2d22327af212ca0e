using Diffusion.Inference.Models;
using Diffusion.Inference.Onnx;
using Diffusion.Inference.Scheduling;
using Diffusion.Inference.Tokenization;

namespace Diffusion.Inference.Pipeline;

/// <summary>
/// Every part of one model folder, loaded once: tokenizer, ONNX sessions, noise schedule. Shared by
/// all requests (sessions are thread-safe); disposed at shutdown.
/// </summary>
public sealed class DiffusionModels : IDisposable
{
    private DiffusionModels(ModelFolder folder, ClipTokenizer tokenizer, TextEncoderModel textEncoder, UnetModel unet,
        VaeDecoderModel vaeDecoder, VaeEncoderModel? vaeEncoder, ImageEncoderModel? imageEncoder, SchedulerFactory schedulers)
    {
        Folder = folder;
        Tokenizer = tokenizer;
        TextEncoder = textEncoder;
        Unet = unet;
        VaeDecoder = vaeDecoder;
        VaeEncoder = vaeEncoder;
        ImageEncoder = imageEncoder;
        Schedulers = schedulers;
        var factor = vaeDecoder.UpscaleFactor
            ?? (folder.ReadNumber("vae_decoder", "sample_size") is { } imageSide && folder.ReadNumber(folder.DenoiserPart, "sample_size") is { } latentSide
                ? (int)(imageSide / latentSide)
                : 8);
        ImageHeight = unet.LatentHeight * factor;
        ImageWidth = unet.LatentWidth * factor;
    }

    public ModelFolder Folder { get; }
    public ClipTokenizer Tokenizer { get; }
    public TextEncoderModel TextEncoder { get; }
    public UnetModel Unet { get; }
    public VaeDecoderModel VaeDecoder { get; }
    public VaeEncoderModel? VaeEncoder { get; }
    public ImageEncoderModel? ImageEncoder { get; }
    public SchedulerFactory Schedulers { get; }

    /// <summary>The one image size this model generates.</summary>
    public int ImageHeight { get; }

    public int ImageWidth { get; }

    /// <summary>Opens, validates and loads a model folder (e.g. ./models or the SD 1.5 fixture).</summary>
    public static DiffusionModels Load(string root, OnnxRuntimeOptions? runtime = null)
    {
        runtime ??= new OnnxRuntimeOptions();
        runtime.Validate();
        var folder = ModelFolder.Open(root);
        var opened = new List<OnnxModelSession>();
        var loaded = false;
        try
        {
            var tokenizer = ClipTokenizer.Load(folder.TokenizerDirectory);
            var schedulers = new SchedulerFactory(SchedulerConfig.Load(folder.SchedulerConfigPath));
            var textEncoder = new TextEncoderModel(Open(folder.TextEncoderPath));
            var unet = new UnetModel(Open(folder.DenoiserPath, spinning: true),
                configSampleSize: (int?)folder.ReadNumber(folder.DenoiserPart, "sample_size"),
                configHiddenSize: (int?)folder.ReadNumber(folder.DenoiserPart, "cross_attention_dim"),
                configChannels: (int?)folder.ReadNumber(folder.DenoiserPart, "in_channels"));
            var scaling = folder.ScalingFactor;
            var decoder = new VaeDecoderModel(Open(folder.VaeDecoderPath), scaling);
            var encoder = folder.VaeEncoderPath is { } encoderPath ? new VaeEncoderModel(Open(encoderPath), scaling) : null;
            var image = folder.ImageEncoderPath is { } imagePath ? new ImageEncoderModel(Open(imagePath)) : null;
            var models = new DiffusionModels(folder, tokenizer, textEncoder, unet, decoder, encoder, image, schedulers);
            loaded = true;
            return models;
        }
        finally
        {
            if (!loaded)
            {
                // a later part failed: release the sessions already opened
                foreach (var session in opened)
                {
                    session.Dispose();
                }
            }
        }

        // only the UNet runs back to back; the others' spinning workers would compete with its threads
        OnnxModelSession Open(string path, bool spinning = false)
        {
            var session = OnnxModelSession.Open(path, spinning ? runtime : runtime with { AllowSpinning = false });
            opened.Add(session);
            return session;
        }
    }

    public void Dispose()
    {
        TextEncoder.Dispose();
        Unet.Dispose();
        VaeDecoder.Dispose();
        VaeEncoder?.Dispose();
        ImageEncoder?.Dispose();
    }
}

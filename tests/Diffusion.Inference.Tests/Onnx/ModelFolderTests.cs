using Diffusion.Inference.Models;

namespace Diffusion.Inference.Tests.Onnx;

public sealed class ModelFolderTests
{
    [Fact]
    public void Sd15_fixture_opens_with_the_default_scaling_factor()
    {
        var folder = ModelFolder.Open(TestPaths.FixtureModel);
        Assert.Equal(0.18215f, folder.ScalingFactor);
        Assert.Contains("unet", folder.Components);
        Assert.DoesNotContain("safety_checker", folder.Components);
        Assert.NotNull(folder.VaeEncoderPath);
        Assert.Null(folder.ImageEncoderPath);
        Assert.Empty(folder.MissingParts());
    }

    [Fact]
    public void Missing_parts_are_all_named()
    {
        var dir = Directory.CreateTempSubdirectory("modelfolder");
        try
        {
            File.Copy(Path.Combine(TestPaths.FixtureModel, "model_index.json"), Path.Combine(dir.FullName, "model_index.json"));
            Directory.CreateDirectory(Path.Combine(dir.FullName, "unet"));
            var ex = Assert.Throws<InvalidDataException>(() => ModelFolder.Open(dir.FullName));
            foreach (var part in new[] { "tokenizer/vocab.json", "text_encoder/model.onnx", "unet/model.onnx", "vae_decoder/model.onnx", "scheduler/scheduler_config.json" })
            {
                Assert.Contains(part, ex.Message);
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_transformer_denoiser_is_found_in_its_own_folder()
    {
        var dir = Directory.CreateTempSubdirectory("modelfolder-transformer");
        try
        {
            CopyDirectory(TestPaths.FixtureModel, dir.FullName);
            Directory.Move(Path.Combine(dir.FullName, "unet"), Path.Combine(dir.FullName, "transformer"));
            var index = Path.Combine(dir.FullName, "model_index.json");
            File.WriteAllText(index, File.ReadAllText(index).Replace("\"unet\"", "\"transformer\""));
            var folder = ModelFolder.Open(dir.FullName);
            Assert.Equal("transformer", folder.DenoiserPart);
            Assert.Equal(Path.Combine(dir.FullName, "transformer", "model.onnx"), folder.DenoiserPath);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_folder_must_name_exactly_one_denoiser()
    {
        var dir = Directory.CreateTempSubdirectory("modelfolder-denoisers");
        try
        {
            CopyDirectory(TestPaths.FixtureModel, dir.FullName);
            var index = Path.Combine(dir.FullName, "model_index.json");
            var original = File.ReadAllText(index);
            File.WriteAllText(index, original.Replace("\"unet\"", "\"denoiser\""));
            Assert.Contains("no denoiser", Assert.Throws<InvalidDataException>(() => ModelFolder.Open(dir.FullName)).Message);
            File.WriteAllText(index, original.Replace("\"unet\":", "\"transformer\": [\"diffusers\", \"OnnxRuntimeModel\"], \"unet\":"));
            Assert.Contains("both", Assert.Throws<InvalidDataException>(() => ModelFolder.Open(dir.FullName)).Message);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_folder_without_model_index_is_not_a_model_folder()
    {
        var ex = Assert.Throws<InvalidDataException>(() => ModelFolder.Open(TestPaths.Fixture));
        Assert.Contains("model_index.json", ex.Message);
    }

    [Fact]
    public void Scaling_factor_comes_from_the_vae_config_when_present()
    {
        var dir = Directory.CreateTempSubdirectory("modelfolder-scale");
        try
        {
            CopyDirectory(TestPaths.FixtureModel, dir.FullName);
            File.WriteAllText(Path.Combine(dir.FullName, "vae_decoder", "config.json"), """{"scaling_factor": 0.5}""");
            Assert.Equal(0.5f, ModelFolder.Open(dir.FullName).ScalingFactor);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}

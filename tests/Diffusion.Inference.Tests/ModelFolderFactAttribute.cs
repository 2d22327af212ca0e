using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Diffusion.Inference.Tests;

/// <summary>Names the model folder (relative to the repository root) a test class runs against.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ModelFolderAttribute(string relativePath) : Attribute
{
    public string RelativePath { get; } = relativePath;

    /// <summary>File inside the folder without which the class's tests are skipped (with this reason).</summary>
    public string RequiredFile { get; init; } = "model_index.json";

    public string FullPath => Path.Combine(TestPaths.RepoRoot, RelativePath);

    public static ModelFolderAttribute Of(Type type) => type.GetCustomAttribute<ModelFolderAttribute>()
        ?? throw new InvalidOperationException($"{type.Name} needs a [ModelFolder] attribute.");

    public string? SkipReason => File.Exists(Path.Combine(FullPath, RequiredFile))
        ? null
        : $"{RelativePath}/{RequiredFile} is absent (the model family has not been added to this checkout yet).";
}

/// <summary>
/// A fact that runs once per concrete test class and is skipped, with the reason, when that class's
/// model folder lacks its required file. Lets one abstract test class run on the SD 1.5 fixture and
/// on our own models/ folder.
/// </summary>
[XunitTestCaseDiscoverer("Diffusion.Inference.Tests.ModelFactDiscoverer", "Diffusion.Inference.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class ModelFactAttribute : FactAttribute;

public sealed class ModelFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        var display = discoveryOptions.MethodDisplayOrDefault();
        var displayOptions = discoveryOptions.MethodDisplayOptionsOrDefault();
        var reason = ModelFolderAttribute.Of(testMethod.TestClass.Class.ToRuntimeType()).SkipReason;
        yield return reason is null
            ? new XunitTestCase(diagnosticMessageSink, display, displayOptions, testMethod)
            : new XunitSkippedDataRowTestCase(diagnosticMessageSink, display, displayOptions, testMethod, reason);
    }
}

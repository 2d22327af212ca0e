namespace Diffusion.Server.Tests.Fuzzing;

/// <summary>Which rule a success answer to a request is held to (<see cref="SuccessRules"/>).</summary>
public enum Expectation
{
    /// <summary>Service routes that succeed for any query or header: health, metrics, model list, OpenAPI.</summary>
    AnySuccess,
    GenerationBody,
    JobBody,
    ImageId,
    JobId,
    ModelId,
    GalleryQuery,
    PromptQuery,
    /// <summary>A method the route does not accept: never a success.</summary>
    NeverSuccess,
    /// <summary>Static or unknown paths: a success must serve a file of the web folder (or be an API route, matched case-insensitively).</summary>
    WebFileOnly,
}

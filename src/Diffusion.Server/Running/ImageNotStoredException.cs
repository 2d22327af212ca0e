namespace Diffusion.Server.Running;

/// <summary>
/// An image was generated but could not be stored (a full or failing disk), and the response needs it stored
/// (a URL, or a job's result): the API answers 503 saying so, rather than a 500.
/// </summary>
public sealed class ImageNotStoredException(string reason, Exception inner)
    : Exception($"the image was generated but the server could not store it ({reason.TrimEnd('.')}); " +
                "retry later, or ask for response_format b64_json to get it in the response", inner);

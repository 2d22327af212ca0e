namespace Diffusion.Server.Api.Contracts;

/// <summary>OpenAI's model list: <c>{object:"list", data:[...]}</c>.</summary>
public sealed record ModelList(string Object, IReadOnlyList<ModelInfo> Data);

/// <summary>
/// OpenAI's model object (<c>id, object:"model", created, owned_by</c>) plus what a client needs to
/// build a valid request: sizes, schedulers, default and maximum steps.
/// </summary>
public sealed record ModelInfo(
    string Id,
    string Object,
    long Created,
    string OwnedBy,
    IReadOnlyList<string> Sizes,
    IReadOnlyList<string> Schedulers,
    int DefaultSteps,
    int MaxSteps);

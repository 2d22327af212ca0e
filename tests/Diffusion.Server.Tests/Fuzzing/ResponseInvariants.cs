namespace Diffusion.Server.Tests.Fuzzing;

/// <summary>
/// The invariants every answer must keep, whatever was sent:
/// <list type="bullet">
/// <item>an answer arrives (Kestrel may instead close the connection only on a request it may refuse itself);</item>
/// <item>never a 5xx;</item>
/// <item>every 4xx has an OpenAI-style error body, on every path: the app's status-code pages give
/// unknown paths and static-file misses the same JSON as the API routes, so there is no exception
/// for them. The two exceptions are answers with no body by HTTP's rules (to HEAD) and Kestrel's
/// own refusals (<see cref="ErrorBodyRules.TransportStatuses"/> with an empty body, to a request
/// <see cref="TransportRules"/> says it may refuse), which are written before the application runs
/// and so cannot carry the app's error body;</item>
/// <item>a 2xx only where <see cref="SuccessRules"/> allows it, and a success for requests the oracles call valid.</item>
/// </list>
/// </summary>
public sealed class ResponseInvariants(SuccessRules success)
{
    public string? Check(FuzzRequest request, WireResponse response)
    {
        if (response.Failure is not null)
            return request.TransportMayRefuse ? null : response.Describe();
        if (response.Status >= 500) return $"server error {response.Status}";
        if (response.Status is >= 400 and < 500 && request.Method != "HEAD")
        {
            var kestrelRefusal = response.Body.Length == 0 && request.TransportMayRefuse && ErrorBodyRules.TransportStatuses.Contains(response.Status);
            if (!kestrelRefusal && ErrorBodyRules.Check(response) is { } malformed) return malformed;
        }
        return success.Check(request, response);
    }
}

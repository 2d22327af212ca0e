namespace Diffusion.Kernels.Faiss;

/// <summary>A native FAISS call failed; <see cref="Exception.Message"/> carries the shim's (or FAISS's) own text.</summary>
public sealed class FaissException : Exception
{
    public FaissException(FaissErrorCode code, string message)
        : base(message)
    {
        Code = code;
    }

    public FaissErrorCode Code { get; }
}

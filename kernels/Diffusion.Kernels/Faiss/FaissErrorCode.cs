namespace Diffusion.Kernels.Faiss;

/// <summary>Status codes of the native shim (dfaiss_status in kernels/faiss/diffusion_faiss.h).</summary>
public enum FaissErrorCode
{
    Ok = 0,
    InvalidArgument = 1,
    FaissError = 2,
    OutOfMemory = 3,
    IoError = 4,
    Unsupported = 5,
    UnknownError = 6,
}

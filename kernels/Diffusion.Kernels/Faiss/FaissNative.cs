using System.Runtime.InteropServices;

namespace Diffusion.Kernels.Faiss;

/// <summary>P/Invoke declarations of libdiffusion_faiss.so (kernels/faiss/diffusion_faiss.h).
/// Call <see cref="FaissLibrary.EnsureLoaded"/> before the first of these.</summary>
internal static unsafe partial class FaissNative
{
    /// <summary>Must equal DFAISS_ABI_VERSION of the loaded library.</summary>
    internal const int AbiVersion = 1;

    [LibraryImport(FaissLibrary.Name, EntryPoint = "dfaiss_abi_version")]
    internal static partial int AbiVersionOfLibrary();

    [LibraryImport(FaissLibrary.Name, EntryPoint = "dfaiss_last_error")]
    internal static partial nint LastError();

    [LibraryImport(FaissLibrary.Name, EntryPoint = "dfaiss_index_create", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Create(string factory, int dim, int metric, out FaissIndexHandle index);

    [LibraryImport(FaissLibrary.Name, EntryPoint = "dfaiss_index_free")]
    internal static partial void Free(nint index);

    [LibraryImport(FaissLibrary.Name, EntryPoint = "dfaiss_index_dim")]
    internal static partial int Dimension(FaissIndexHandle index, out int dim);

    [LibraryImport(FaissLibrary.Name, EntryPoint = "dfaiss_index_metric")]
    internal static partial int Metric(FaissIndexHandle index, out int metric);

    [LibraryImport(FaissLibrary.Name, EntryPoint = "dfaiss_index_ntotal")]
    internal static partial int Count(FaissIndexHandle index, out long count);

    [LibraryImport(FaissLibrary.Name, EntryPoint = "dfaiss_index_is_trained")]
    internal static partial int IsTrained(FaissIndexHandle index, out int trained);

    [LibraryImport(FaissLibrary.Name, EntryPoint = "dfaiss_index_train")]
    internal static partial int Train(FaissIndexHandle index, long n, float* x);

    [LibraryImport(FaissLibrary.Name, EntryPoint = "dfaiss_index_add")]
    internal static partial int Add(FaissIndexHandle index, long n, float* x, long* ids);

    [LibraryImport(FaissLibrary.Name, EntryPoint = "dfaiss_index_search")]
    internal static partial int Search(FaissIndexHandle index, long n, float* x, long k, float* distances, long* labels);

    [LibraryImport(FaissLibrary.Name, EntryPoint = "dfaiss_index_remove")]
    internal static partial int Remove(FaissIndexHandle index, long n, long* ids, out long removed);

    [LibraryImport(FaissLibrary.Name, EntryPoint = "dfaiss_index_compact")]
    internal static partial int Compact(FaissIndexHandle index);

    [LibraryImport(FaissLibrary.Name, EntryPoint = "dfaiss_index_set_hnsw_ef_search")]
    internal static partial int SetHnswEfSearch(FaissIndexHandle index, int efSearch);

    [LibraryImport(FaissLibrary.Name, EntryPoint = "dfaiss_index_set_ivf_nprobe")]
    internal static partial int SetIvfNprobe(FaissIndexHandle index, int nprobe);

    [LibraryImport(FaissLibrary.Name, EntryPoint = "dfaiss_index_write", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Write(FaissIndexHandle index, string path);

    [LibraryImport(FaissLibrary.Name, EntryPoint = "dfaiss_index_read", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Read(string path, out FaissIndexHandle index);

    [LibraryImport(FaissLibrary.Name, EntryPoint = "dfaiss_sync_path", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int SyncPath(string path);

    /// <summary>Throws <see cref="FaissException"/> with this thread's last native error when status is not OK.</summary>
    internal static void Check(int status, string operation)
    {
        if (status == (int)FaissErrorCode.Ok)
        {
            return;
        }

        var message = Marshal.PtrToStringUTF8(LastError());
        var code = Enum.IsDefined(typeof(FaissErrorCode), status) ? (FaissErrorCode)status : FaissErrorCode.UnknownError;
        throw new FaissException(code, $"FAISS {operation} failed ({code}): {(string.IsNullOrEmpty(message) ? "no message" : message)}");
    }
}

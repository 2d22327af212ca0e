using System.Reflection;
using System.Runtime.InteropServices;

namespace Diffusion.Kernels.Faiss;

/// <summary>Finds and loads libdiffusion_faiss.so: an explicit path in DIFFUSION_FAISS_LIBRARY, next to the
/// application or this assembly (copied there at build time), or kernels/faiss/build/ of the source tree
/// above the application or the working directory.</summary>
public static class FaissLibrary
{
    internal const string Name = "diffusion_faiss";
    private const string FileName = "libdiffusion_faiss.so";
    private const string EnvironmentVariable = "DIFFUSION_FAISS_LIBRARY";

    private static readonly Lock Gate = new();
    private static nint handle;
    private static bool resolverInstalled;

    /// <summary>Loads the native library once; throws <see cref="DllNotFoundException"/> saying how to build it.</summary>
    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (handle != 0)
            {
                return;
            }

            var loaded = Load();
            if (!resolverInstalled)
            {
                NativeLibrary.SetDllImportResolver(typeof(FaissLibrary).Assembly, Resolve);
                resolverInstalled = true;
            }

            handle = loaded;
            var version = FaissNative.AbiVersionOfLibrary();
            if (version != FaissNative.AbiVersion)
            {
                handle = 0;
                throw new InvalidOperationException(
                    $"{FileName} has ABI version {version}, this assembly needs {FaissNative.AbiVersion}: " +
                    "rebuild it with kernels/faiss/build.sh");
            }
        }
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName == Name ? handle : 0;

    private static nint Load()
    {
        var tried = new List<string>();
        var failures = new List<string>();
        foreach (var candidate in Candidates())
        {
            tried.Add(candidate);
            if (!File.Exists(candidate))
            {
                continue;
            }

            try
            {
                return NativeLibrary.Load(candidate);
            }
            catch (DllNotFoundException e)
            {
                // The file is there but will not load (a missing libopenblas, say): report the loader's reason.
                failures.Add($"{candidate}: {e.Message}");
            }
        }

        var reason = failures.Count > 0
            ? "it exists but failed to load: " + string.Join("; ", failures)
            : "looked in: " + string.Join(", ", tried.Distinct());
        throw new DllNotFoundException(
            $"The native FAISS shim {FileName} is missing ({reason}); run ./run.sh or kernels/faiss/build.sh to build it.");
    }

    private static IEnumerable<string> Candidates()
    {
        var explicitPath = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            yield return Path.GetFullPath(explicitPath);
        }

        yield return Path.Combine(AppContext.BaseDirectory, FileName);
        var assemblyDirectory = Path.GetDirectoryName(typeof(FaissLibrary).Assembly.Location);
        if (!string.IsNullOrEmpty(assemblyDirectory))
        {
            yield return Path.Combine(assemblyDirectory, FileName);
        }

        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                yield return Path.Combine(directory.FullName, "kernels", "faiss", "build", FileName);
            }
        }
    }
}

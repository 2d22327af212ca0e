using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Diffusion.Engine.Memory;

/// <summary>
/// Content key of a full KV block: a hash of its parent block's key and its own token ids, so equal
/// keys mean equal prefixes. 128 bits of SHA-256 make an accidental collision (which would silently
/// share wrong KV) negligible, unlike a 64-bit non-cryptographic hash.
/// </summary>
public readonly record struct BlockHash(ulong High, ulong Low)
{
    private const int StackLimitBytes = 1024;

    public static BlockHash Of(BlockHash? parent, ReadOnlySpan<int> tokens)
    {
        // Layout: 1 flag byte (has parent), 16 parent bytes, then the token ids. The key lives only
        // in this process, so native byte order is fine.
        int length = 17 + tokens.Length * sizeof(int);
        Span<byte> buffer = length <= StackLimitBytes ? stackalloc byte[length] : new byte[length];
        buffer[0] = parent.HasValue ? (byte)1 : (byte)0;
        MemoryMarshal.Write(buffer[1..], parent?.High ?? 0UL);
        MemoryMarshal.Write(buffer[9..], parent?.Low ?? 0UL);
        MemoryMarshal.AsBytes(tokens).CopyTo(buffer[17..]);
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(buffer[..length], digest);
        return new BlockHash(MemoryMarshal.Read<ulong>(digest), MemoryMarshal.Read<ulong>(digest[8..]));
    }

    public override string ToString() => $"{High:x16}{Low:x16}";
}

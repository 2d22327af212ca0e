namespace Diffusion.CacheStore;

/// <summary>What a latent file says about itself (see cache-store/FORMAT.md).</summary>
public sealed record LatentFileHeader(LatentKey Key, int[] Shape, DateTimeOffset WrittenAt, int HeaderLength, long PayloadLength)
{
    public long ElementCount => PayloadLength / LatentFileFormat.BytesPerElement;
}

/// <summary>Why a latent file was or was not accepted.</summary>
public enum LatentFileStatus
{
    Ok,
    /// <summary>Shorter than the smallest possible header, or shorter than its header announces (a torn write).</summary>
    Truncated,
    BadMagic,
    UnsupportedVersion,
    UnsupportedDataType,
    /// <summary>Header fields are out of range or inconsistent (rank, lengths, tenant, shape).</summary>
    BadHeader,
    HeaderChecksumMismatch,
    /// <summary>Longer than its header announces.</summary>
    TrailingBytes,
    PayloadChecksumMismatch,
}

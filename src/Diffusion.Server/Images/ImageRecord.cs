namespace Diffusion.Server.Images;

/// <summary>A stored image's id, creation time and metadata: the content of its JSON sidecar.</summary>
public sealed record ImageRecord(ImageId Id, DateTimeOffset Created, ImageMetadata Metadata);

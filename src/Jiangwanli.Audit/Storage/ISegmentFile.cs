namespace Jiangwanli.Audit.Storage;

/// <summary>
/// One open segment file: the narrow I/O seam of the audit log. Production uses <see cref="FileSegmentStorage"/>;
/// tests substitute an implementation that fails on demand (disk full, I/O error) to drive the failure paths.
/// </summary>
internal interface ISegmentFile : IDisposable
{
    /// <summary>Current file length in bytes.</summary>
    long Length { get; }

    /// <summary>Writes all of <paramref name="source"/> at <paramref name="offset"/> (one positional write).</summary>
    void Write(ReadOnlySpan<byte> source, long offset);

    /// <summary>Reads up to <paramref name="destination"/>.Length bytes at <paramref name="offset"/>; 0 at end of file.</summary>
    int Read(Span<byte> destination, long offset);

    /// <summary>Makes written data durable (fdatasync semantics: data and the metadata needed to read it).</summary>
    void FlushData();

    /// <summary>Makes data and all metadata durable (fsync), for size changes.</summary>
    void FlushAll();

    /// <summary>Truncates or extends the file.</summary>
    void SetLength(long length);
}

/// <summary>The file-system operations the audit log performs, behind one seam (see <see cref="ISegmentFile"/>).</summary>
internal interface ISegmentStorage
{
    /// <summary>Opens an existing file for reading and writing.</summary>
    ISegmentFile OpenExisting(string path);

    /// <summary>Creates a new file (fails if it exists), reserving <paramref name="preallocationBytes"/> if possible.</summary>
    ISegmentFile CreateNew(string path, long preallocationBytes);

    /// <summary>Renames a file; fails if the destination exists.</summary>
    void Move(string sourcePath, string destinationPath);

    /// <summary>Deletes a file; no error when it does not exist.</summary>
    void Delete(string path);

    /// <summary>Makes the directory's entries (creations, renames, deletions) durable.</summary>
    void FlushDirectory(string directory);
}

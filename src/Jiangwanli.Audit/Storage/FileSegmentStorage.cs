using Microsoft.Win32.SafeHandles;

namespace Jiangwanli.Audit.Storage;

/// <summary>The real file system, through <see cref="RandomAccess"/> on a <see cref="SafeFileHandle"/>.</summary>
internal sealed class FileSegmentStorage : ISegmentStorage
{
    /// <summary>The shared instance.</summary>
    public static FileSegmentStorage Instance { get; } = new();

    /// <inheritdoc />
    public ISegmentFile OpenExisting(string path) =>
        new FileSegmentFile(File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete));

    /// <inheritdoc />
    public ISegmentFile CreateNew(string path, long preallocationBytes) =>
        new FileSegmentFile(File.OpenHandle(
            path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete, FileOptions.None, preallocationBytes));

    /// <summary>Opens a segment read-only, sharing it with a writer that may be appending to it.</summary>
    public static ISegmentFile OpenRead(string path) =>
        new FileSegmentFile(File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));

    /// <inheritdoc />
    public void Move(string sourcePath, string destinationPath) => File.Move(sourcePath, destinationPath, overwrite: false);

    /// <inheritdoc />
    public void Delete(string path) => File.Delete(path);

    /// <inheritdoc />
    public void FlushDirectory(string directory) => FileSync.FlushDirectory(directory);
}

/// <summary>A segment file on disk.</summary>
internal sealed class FileSegmentFile : ISegmentFile
{
    private readonly SafeFileHandle _handle;

    public FileSegmentFile(SafeFileHandle handle) => _handle = handle;

    /// <inheritdoc />
    public long Length => RandomAccess.GetLength(_handle);

    /// <inheritdoc />
    public void Write(ReadOnlySpan<byte> source, long offset) => RandomAccess.Write(_handle, source, offset);

    /// <inheritdoc />
    public int Read(Span<byte> destination, long offset) => RandomAccess.Read(_handle, destination, offset);

    /// <inheritdoc />
    public void FlushData() => FileSync.FlushData(_handle);

    /// <inheritdoc />
    public void FlushAll() => RandomAccess.FlushToDisk(_handle);

    /// <inheritdoc />
    public void SetLength(long length) => RandomAccess.SetLength(_handle, length);

    /// <inheritdoc />
    public void Dispose() => _handle.Dispose();
}

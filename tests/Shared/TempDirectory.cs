namespace Jiangwanli.Tests.Shared;

/// <summary>
/// A fresh folder under the temp path, deleted on dispose. Compiled into the test projects that need it (linked from
/// tests/Shared), named after the test assembly so leftovers say whose they are.
/// </summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        var owner = typeof(TempDirectory).Assembly.GetName().Name;
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{owner}-{Guid.NewGuid().ToString("N")[..12]}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a file still open by a stopping server; the temp folder is cleaned by the OS.
        }
    }
}

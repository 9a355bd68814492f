namespace Payments.TestSupport;

/// <summary>A fresh directory under the system temp directory for one test (or class), deleted on dispose.</summary>
public sealed class ScratchDirectory : IDisposable
{
    // Not Directory.CreateTempSubdirectory: its 0700 mode would lock out a service a test runs as another user.
    public ScratchDirectory(string prefix) =>
        Path = Directory.CreateDirectory(System.IO.Path.Combine(System.IO.Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N"))).FullName;

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // A test that removed it itself.
        }
        catch (IOException)
        {
            // A child process still writing there (a killed service's last log line): the temp cleaner takes it.
        }
    }
}

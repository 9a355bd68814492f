using System.Runtime.InteropServices;

namespace Payments.Preflight.Loading;

/// <summary>What a path names, following symbolic links.</summary>
internal enum FileKind
{
    Regular,
    Directory,
    Fifo,
    CharacterDevice,
    BlockDevice,
    Socket,

    /// <summary>Nothing there (a dangling link), or the kind could not be read: opening it reports why.</summary>
    Unknown,
}

/// <summary>The file-system questions input discovery asks before it opens anything.</summary>
internal static class InputFiles
{
    /// <summary>
    /// The kind of file at <paramref name="path"/>. Opening a FIFO for reading blocks until something writes to it, and a
    /// device can be endless, so discovery must know the kind before it opens a file; .NET reports neither, so this asks
    /// stat(2) through the runtime's own native shim, whose mode bits are the same on every Unix.
    /// </summary>
    public static FileKind KindOf(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return KindDotNetTells(path);
        }

        // FileStatus (pal_io.h) begins with int32 Flags, int32 Mode; the buffer is larger than the whole struct.
        var status = new byte[256];
        try
        {
            if (path.Contains('\0', StringComparison.Ordinal) || Stat(path, status) != 0)
            {
                return FileKind.Unknown;
            }
        }
        catch (Exception exception) when (exception is DllNotFoundException or EntryPointNotFoundException)
        {
            // Every .NET runtime ships the shim; a host without it gets the answer .NET alone can give.
            return KindDotNetTells(path);
        }

        return (BitConverter.ToInt32(status, 4) & 0xF000) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0x1000 => FileKind.Fifo,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            0xC000 => FileKind.Socket,
            _ => FileKind.Unknown,
        };
    }

    private static FileKind KindDotNetTells(string path) =>
        Directory.Exists(path) ? FileKind.Directory : File.Exists(path) ? FileKind.Regular : FileKind.Unknown;

    /// <summary>A FIFO, device or socket: never a template, and reading one can block or never end.</summary>
    public static bool IsSpecial(FileKind kind) => kind is FileKind.Fifo or FileKind.CharacterDevice or FileKind.BlockDevice or FileKind.Socket;

    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Fifo => "a FIFO (named pipe)",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Socket => "a socket",
        FileKind.Directory => "a directory",
        _ => "not a regular file",
    };

    /// <summary>
    /// Opens a file for reading only if it is not a FIFO, device or socket; those throw a PF001
    /// <see cref="TemplateLoadException"/> rather than block or read without end.
    /// </summary>
    public static FileStream OpenRegular(string path)
    {
        var kind = KindOf(path);
        if (IsSpecial(kind))
        {
            throw new TemplateLoadException(RuleIds.ParseError, $"the file is {Describe(kind)}, not a regular file: preflight reads only regular files", null);
        }

        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
    }

    /// <summary>Whether a path is a symbolic link; one whose kind cannot be read counts as not, and is then listed (or reported) as it is.</summary>
    public static bool IsLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget is not null;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// The path with every symbolic link in it resolved, as realpath(3): two paths name one folder when their real paths
    /// are equal, which is how a walk that follows links notices it has come back to where it was.
    /// </summary>
    public static string RealPath(string path)
    {
        const int MaxLinks = 40;
        var full = Path.GetFullPath(path);
        var current = Path.GetPathRoot(full) ?? "/";
        var pending = new Stack<string>();
        Push(pending, full[current.Length..]);
        var links = 0;
        while (pending.TryPop(out var part))
        {
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }

            var next = Path.Join(current, part);
            string? target;
            try
            {
                target = new FileInfo(next).LinkTarget;
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                target = null;
            }

            // A chain of more links than the kernel itself follows is a loop: the rest is taken as written.
            if (target is null || ++links > MaxLinks)
            {
                current = next;
                continue;
            }

            if (Path.IsPathRooted(target))
            {
                current = Path.GetPathRoot(target) ?? current;
                target = target[current.Length..];
            }

            Push(pending, target);
        }

        return current;

        static void Push(Stack<string> pending, string relative)
        {
            var parts = relative.Split([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries);
            for (var i = parts.Length - 1; i >= 0; i--)
            {
                pending.Push(parts[i]);
            }
        }
    }

    [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat", ExactSpelling = true)]
    private static extern int Stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [Out] byte[] status);
}

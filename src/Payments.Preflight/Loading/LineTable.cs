namespace Payments.Preflight.Loading;

/// <summary>Turns a byte offset in a file into its line, through a precomputed table of the file's newline offsets.</summary>
internal sealed class LineTable
{
    private readonly int[] newlineOffsets;

    public LineTable(ReadOnlySpan<byte> bytes)
    {
        var offsets = new List<int>();
        var span = bytes;
        var position = 0;
        while (true)
        {
            var next = span[position..].IndexOf((byte)'\n');
            if (next < 0)
            {
                break;
            }

            offsets.Add(position + next);
            position += next + 1;
        }

        newlineOffsets = [.. offsets];
    }

    public int LineOf(int offset)
    {
        var index = Array.BinarySearch(newlineOffsets, offset);
        return (index < 0 ? ~index : index) + 1;
    }
}

namespace Payments.Preflight.Loading;

/// <summary>Turns a byte offset in a file into its line, through a precomputed table of the file's line breaks.</summary>
internal sealed class LineTable
{
    private readonly int[] breakOffsets;

    /// <summary>
    /// A line break is <c>\n</c>, <c>\r\n</c> (recorded at its <c>\n</c>) or a lone <c>\r</c>, as YAML counts them, so a
    /// file with old Mac line ends has the same lines in JSON as in YAML.
    /// </summary>
    public LineTable(ReadOnlySpan<byte> bytes)
    {
        var offsets = new List<int>();
        var position = 0;
        while (true)
        {
            var next = bytes[position..].IndexOfAny((byte)'\n', (byte)'\r');
            if (next < 0)
            {
                break;
            }

            position += next;
            if (bytes[position] == '\r' && position + 1 < bytes.Length && bytes[position + 1] == '\n')
            {
                position++;
            }

            offsets.Add(position);
            position++;
        }

        breakOffsets = [.. offsets];
    }

    public int LineOf(int offset)
    {
        var index = Array.BinarySearch(breakOffsets, offset);
        return (index < 0 ? ~index : index) + 1;
    }
}

namespace Mnemo.OrleansBench;

/// <summary>
/// Runs a sequential path as ten pieces with progress between them. A piece timed inside a grain
/// costs one untimed call to start it; nothing between pieces is counted.
/// </summary>
internal static class ChunkedRun
{
    public static async Task<Measurement> RunAsync(string label, int count, Func<int, Task<Measurement>> runPiece)
    {
        int piece = Math.Max(1, count / 10);
        var parts = new List<Measurement>();
        long done = 0;
        using (Progress.Start(label, count, () => Interlocked.Read(ref done)))
        {
            while (done < count)
            {
                Measurement part = await runPiece((int)Math.Min(piece, count - done)).ConfigureAwait(false);
                parts.Add(part);
                Interlocked.Add(ref done, part.Operations);
            }
        }
        return Measurement.Concat(parts);
    }
}

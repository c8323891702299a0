using Mnemo.Grains.Interfaces;

namespace Mnemo.SnapshotFiles;

/// <summary>What an import wrote: items sent, written, skipped as expired, refused (the first refusal's reason).</summary>
public sealed record ImportTotals(long Items, long Written, long Expired, long Failed, string? FirstError);

/// <summary>
/// Writes the items of a cluster snapshot file into a Memshack through <see cref="ISnapshotImportGrain"/>, whatever its
/// shard count: each item goes through a silo's gateway, routed by Ch3 under the Memshack's topology and written
/// to every replica of its shard with its value, flags, exptime and CAS. <see cref="Check"/> comes first, so a
/// damaged file writes nothing.
/// </summary>
public static class ClusterSnapshotImport
{
    /// <summary>Keys and values per grain call.</summary>
    private const int BatchBytes = 1 << 20;

    /// <summary>Batches in flight at once, spread over the silos' import workers.</summary>
    private const int BatchesInFlight = 4;

    /// <summary>Reads and checks every section of <paramref name="file"/>, telling <paramref name="progress"/> the bytes and items checked; throws <see cref="SnapshotFileException"/>.</summary>
    public static void Check(ClusterSnapshotFileReader file, Action<long, long> progress)
    {
        long bytes = 0, items = 0;
        foreach (EngineExportSection section in file.Sections())
        {
            bytes += section.Bytes;
            items += section.Items;
            progress(bytes, items);
        }
    }

    /// <summary>Writes every item of <paramref name="file"/> into <paramref name="memshack"/> (<c>namespace/name</c>), telling <paramref name="progress"/> the section, bytes and items sent.</summary>
    public static async Task<ImportTotals> WriteItemsAsync(ISnapshotImportGrain importer, string memshack, ClusterSnapshotFileReader file,
        Action<EngineExportSection, long, long> progress, CancellationToken cancellationToken)
    {
        long sent = 0, written = 0, expired = 0, failed = 0, items = 0;
        string? firstError = null;
        var inFlight = new List<Task<SnapshotImportResult>>(BatchesInFlight);
        foreach (EngineExportSection section in file.Sections())
        {
            foreach (PortableItem[] batch in section.Batches(BatchBytes))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (inFlight.Count == BatchesInFlight)
                    Count(await TakeFirstAsync(inFlight));
                inFlight.Add(importer.WriteAsync(memshack, batch));
                items += batch.Length;
                sent += batch.Sum(i => 32L + i.Key.Length + i.Value.Length); // about the bytes of their records
                progress(section, sent, items);
            }
        }
        foreach (Task<SnapshotImportResult> batch in inFlight)
            Count(await batch);
        return new ImportTotals(items, written, expired, failed, firstError);

        void Count(SnapshotImportResult batch)
        {
            written += batch.Written;
            expired += batch.Expired;
            failed += batch.Failed;
            firstError ??= batch.FirstError;
        }
    }

    private static async Task<SnapshotImportResult> TakeFirstAsync(List<Task<SnapshotImportResult>> inFlight)
    {
        Task<SnapshotImportResult> first = inFlight[0];
        inFlight.RemoveAt(0);
        return await first;
    }
}

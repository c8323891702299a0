using System.Text;
using System.Text.Json;

namespace Mnemo.KubeApiServer;

/// <summary>
/// Keeps the store in a state folder: <c>snapshot.json</c> (every object and the resourceVersion
/// counter, replaced atomically by temp file + rename) and <c>changes.jsonl</c> (one line per write
/// since the snapshot, appended and flushed before the write is acknowledged). Loading replays the
/// log over the snapshot and ignores a torn last line, so a killed process loses nothing it
/// acknowledged. The log is folded into a new snapshot at start-up and whenever it grows long.
/// A lock file keeps a second server off the same folder.
/// </summary>
internal sealed class Persistence : IDisposable
{
    private const string SnapshotFile = "snapshot.json";
    private const string LogFile = "changes.jsonl";

    private readonly string directory;
    private readonly FileStream lockFile;
    private FileStream? log;
    private int logRecords;

    public Persistence(string directory)
    {
        this.directory = Path.GetFullPath(directory);
        Directory.CreateDirectory(this.directory);
        try
        {
            lockFile = new FileStream(Path.Combine(this.directory, "lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new IOException($"state directory {this.directory} is in use by another mnemo-kube-api", e);
        }
    }

    /// <summary>One stored object and the resource (storage key) it belongs to.</summary>
    public readonly record struct Entry(string GroupResource, JsonElement Object);

    /// <summary>Reads the snapshot and replays the log: the objects and the last resourceVersion.</summary>
    public (long Revision, List<Entry> Objects) Load()
    {
        long revision = 0;
        var objects = new Dictionary<(string, string, string), JsonElement>();
        string snapshotPath = Path.Combine(directory, SnapshotFile);
        if (File.Exists(snapshotPath))
        {
            JsonElement snapshot = Json.Parse(File.ReadAllBytes(snapshotPath));
            revision = snapshot.GetProperty("revision").GetInt64();
            foreach (JsonElement entry in snapshot.GetProperty("objects").EnumerateArray())
            {
                string resource = entry.GetProperty("resource").GetString()!;
                JsonElement obj = entry.GetProperty("object");
                objects[(resource, ObjectMeta.Namespace(obj), ObjectMeta.Name(obj))] = obj;
            }
        }
        string logPath = Path.Combine(directory, LogFile);
        if (File.Exists(logPath))
        {
            string[] lines = File.ReadAllLines(logPath, Encoding.UTF8);
            for (int i = 0; i < lines.Length; i++)
            {
                if (lines[i].Length == 0)
                {
                    continue;
                }
                JsonElement record;
                try
                {
                    record = Json.Parse(Encoding.UTF8.GetBytes(lines[i]));
                }
                catch (JsonException) when (i == lines.Length - 1)
                {
                    break; // the write that was cut off by a crash was never acknowledged
                }
                long rv = record.GetProperty("rv").GetInt64();
                if (rv <= revision)
                {
                    continue; // already in the snapshot (a crash between snapshot and log truncation)
                }
                revision = rv;
                string resource = record.GetProperty("resource").GetString()!;
                if (record.TryGetProperty("object", out JsonElement obj))
                {
                    objects[(resource, ObjectMeta.Namespace(obj), ObjectMeta.Name(obj))] = obj;
                }
                else
                {
                    objects.Remove((resource, record.GetProperty("namespace").GetString()!, record.GetProperty("name").GetString()!));
                }
            }
        }
        return (revision, objects.Select(pair => new Entry(pair.Key.Item1, pair.Value)).ToList());
    }

    public void AppendPut(long revision, string groupResource, byte[] obj) => Append(writer =>
    {
        writer.WriteNumber("rv", revision);
        writer.WriteString("resource", groupResource);
        writer.WritePropertyName("object");
        writer.WriteRawValue(obj, skipInputValidation: true);
    });

    public void AppendDelete(long revision, string groupResource, string @namespace, string name) => Append(writer =>
    {
        writer.WriteNumber("rv", revision);
        writer.WriteString("resource", groupResource);
        writer.WriteString("namespace", @namespace);
        writer.WriteString("name", name);
    });

    /// <summary>Whether the log has grown past what a snapshot of <paramref name="objectCount"/> objects is worth.</summary>
    public bool ShouldCompact(int objectCount) => logRecords > 1024 + 2 * objectCount;

    /// <summary>Writes a new snapshot and empties the log.</summary>
    public void Compact(long revision, IEnumerable<Entry> objects)
    {
        string temp = Path.Combine(directory, SnapshotFile + ".tmp");
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            using (var writer = new Utf8JsonWriter(file))
            {
                writer.WriteStartObject();
                writer.WriteNumber("revision", revision);
                writer.WriteStartArray("objects");
                foreach (Entry entry in objects)
                {
                    writer.WriteStartObject();
                    writer.WriteString("resource", entry.GroupResource);
                    writer.WritePropertyName("object");
                    entry.Object.WriteTo(writer);
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            file.Flush(flushToDisk: true);
        }
        File.Move(temp, Path.Combine(directory, SnapshotFile), overwrite: true);
        log ??= OpenLog();
        log.SetLength(0);
        log.Flush(flushToDisk: true);
        logRecords = 0;
    }

    private FileStream OpenLog() => new(Path.Combine(directory, LogFile), FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read);

    public void Dispose()
    {
        log?.Dispose();
        lockFile.Dispose();
    }

    // Flushed to the operating system, not to the disk: a killed process loses nothing, a power cut may.
    private void Append(Action<Utf8JsonWriter> write)
    {
        log ??= OpenLog();
        byte[] line = Json.ToBytes(writer =>
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        });
        log.Seek(0, SeekOrigin.End);
        log.Write(line);
        log.WriteByte((byte)'\n');
        log.Flush();
        logRecords++;
    }
}

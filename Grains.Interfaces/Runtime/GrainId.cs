using System.Globalization;
using System.Text;

namespace Mnemo.Runtime;

/// <summary>The identity of a grain: its type name and its key. The string form is
/// <c>type/key</c>; the type never contains '/', the key may.</summary>
public readonly record struct GrainId
{
    public GrainId(string type, string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(type);
        ArgumentNullException.ThrowIfNull(key);
        if (type.Contains('/'))
        {
            throw new ArgumentException($"grain type '{type}' must not contain '/'", nameof(type));
        }

        Type = type;
        Key = key;
    }

    public string Type { get; }

    public string Key { get; }

    public static GrainId Create(string type, long key) => new(type, key.ToString(CultureInfo.InvariantCulture));

    public static GrainId Create(string type, Guid key) => new(type, key.ToString("D"));

    public static GrainId Parse(string value)
    {
        int slash = value.IndexOf('/');
        if (slash <= 0)
        {
            throw new FormatException($"'{value}' is not a grain id of the form type/key");
        }

        return new GrainId(value[..slash], value[(slash + 1)..]);
    }

    /// <summary>MurmurHash3 x86_32, seed 0, over the UTF-8 bytes of <c>type/key</c>: the same in
    /// every process, so every silo and client agree on placement.</summary>
    public uint GetStableHash()
    {
        int length = Encoding.UTF8.GetByteCount(Type) + 1 + Encoding.UTF8.GetByteCount(Key);
        byte[]? rented = null;
        Span<byte> buffer = length <= 256
            ? stackalloc byte[length]
            : (rented = System.Buffers.ArrayPool<byte>.Shared.Rent(length));
        int written = Encoding.UTF8.GetBytes(Type, buffer);
        buffer[written++] = (byte)'/';
        written += Encoding.UTF8.GetBytes(Key, buffer[written..]);
        uint hash = MurmurHash3.Hash32(buffer[..written]);
        if (rented is not null)
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }

        return hash;
    }

    public override string ToString() => $"{Type}/{Key}";
}

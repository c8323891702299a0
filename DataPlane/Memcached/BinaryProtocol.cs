namespace Mnemo.DataPlane;

/// <summary>Constants of memcached's binary protocol (protocol_binary.h).</summary>
internal static class BinaryProtocol
{
    public const byte RequestMagic = 0x80;
    public const byte ResponseMagic = 0x81;
    public const int HeaderLength = 24;

    public static class Opcode
    {
        public const byte Get = 0x00, Set = 0x01, Add = 0x02, Replace = 0x03, Delete = 0x04, Increment = 0x05,
            Decrement = 0x06, Quit = 0x07, Flush = 0x08, GetQ = 0x09, Noop = 0x0a, Version = 0x0b, GetK = 0x0c,
            GetKQ = 0x0d, Append = 0x0e, Prepend = 0x0f, Stat = 0x10, SetQ = 0x11, AddQ = 0x12, ReplaceQ = 0x13,
            DeleteQ = 0x14, IncrementQ = 0x15, DecrementQ = 0x16, QuitQ = 0x17, FlushQ = 0x18, AppendQ = 0x19,
            PrependQ = 0x1a, Touch = 0x1c, Gat = 0x1d, GatQ = 0x1e, GatK = 0x23, GatKQ = 0x24;
    }

    public enum Status : ushort
    {
        Success = 0x00,
        KeyNotFound = 0x01,
        KeyExists = 0x02,
        TooLarge = 0x03,
        InvalidArguments = 0x04,
        NotStored = 0x05,
        NonNumeric = 0x06,
        UnknownCommand = 0x81,
        OutOfMemory = 0x82,
    }

    /// <summary>The error text memcached puts in the body of an error response.</summary>
    public static ReadOnlySpan<byte> ErrorText(Status status) => status switch
    {
        Status.KeyNotFound => "Not found"u8,
        Status.KeyExists => "Data exists for key."u8,
        Status.TooLarge => "Too large."u8,
        Status.InvalidArguments => "Invalid arguments"u8,
        Status.NotStored => "Not stored."u8,
        Status.NonNumeric => "Non-numeric server-side value for incr or decr"u8,
        Status.UnknownCommand => "Unknown command"u8,
        Status.OutOfMemory => "Out of memory"u8,
        _ => default,
    };
}

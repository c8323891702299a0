namespace Mnemo.DataPlane;

/// <summary>
/// The header fields of a request besides its id, as a caller fills them (see
/// <see cref="DataPlaneProtocol"/> for what each field means per operation).
/// </summary>
public readonly record struct DataPlaneRequestFields(
    DataPlaneOpCode Op,
    byte Mode = 0,
    byte Options = 0,
    uint Flags = 0,
    long Exptime = 0,
    ulong Argument = 0,
    ulong CasNew = 0,
    long Argument2 = 0);

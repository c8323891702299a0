namespace Mnemo.OrleansBench;

/// <summary>The key format of pinned grains, "&lt;silo name&gt;/&lt;role&gt;", and the two silos' names.</summary>
public static class GrainKeys
{
    public const string Silo0 = "silo-0";
    public const string Silo1 = "silo-1";

    public static string SiloName(int index) => $"silo-{index}";

    public static string On(string siloName, string role) => $"{siloName}/{role}";

    public static string SiloOf(string key)
    {
        int slash = key.IndexOf('/');
        return slash < 0 ? key : key[..slash];
    }
}

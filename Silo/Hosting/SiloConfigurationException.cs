namespace Mnemo.Silo;

/// <summary>A setting has a value the silo cannot use.</summary>
public sealed class SiloConfigurationException(string key, string value, string expected)
    : Exception($"invalid {SiloSettings.EnvironmentPrefix}{key} / --{key.ToLowerInvariant().Replace('_', '-')} '{value}': expected {expected}");

using System.Runtime.CompilerServices;

// The protocol sessions are internal; their parser tests drive them directly.
[assembly: InternalsVisibleTo("Mnemo.Memshack.Tests")]

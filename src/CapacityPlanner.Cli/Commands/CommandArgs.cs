namespace CapacityPlanner.Cli.Commands;

/// <summary>Minimal argument parsing: one positional input plus flags and --name value options.</summary>
internal sealed class CommandArgs
{
    public List<string> Positional { get; } = [];
    public HashSet<string> Flags { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> Options { get; } = new(StringComparer.Ordinal);
    public List<string> Errors { get; } = [];

    public static CommandArgs Parse(string[] args, IReadOnlyCollection<string> flags, IReadOnlyCollection<string> options)
    {
        var result = new CommandArgs();
        for (var i = 0; i < args.Length; i++)
        {
            var a = args[i];
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                if (flags.Contains(a)) result.Flags.Add(a);
                else if (options.Contains(a))
                {
                    if (i + 1 >= args.Length) result.Errors.Add($"{a} needs a value.");
                    else result.Options[a] = args[++i];
                }
                else
                {
                    result.Errors.Add($"unknown option {a}; allowed: {string.Join(", ", flags.Concat(options))}.");
                    // "--sites 2": the value most likely belongs to the unknown option, not a second input file.
                    if (i + 1 < args.Length && !args[i + 1].StartsWith('-')) i++;
                }
            }
            else result.Positional.Add(a);
        }
        return result;
    }
}

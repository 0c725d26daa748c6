using Microsoft.Extensions.Options;
using Npgsql;

namespace CapacityPlanner.Persistence;

/// <summary>Where saved scenarios and benchmark results live, bound from the <c>Database</c> configuration section.</summary>
public sealed class DatabaseOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Database";

    /// <summary>Name under <c>ConnectionStrings</c> of the PostgreSQL connection string.</summary>
    public const string ConnectionStringName = "CapacityPlanner";

    /// <summary>The embedded SQLite file (the default).</summary>
    public const string Sqlite = "Sqlite";

    /// <summary>A PostgreSQL server.</summary>
    public const string Postgres = "Postgres";

    /// <summary><c>Sqlite</c> (default) or <c>Postgres</c>.</summary>
    public string Provider { get; set; } = Sqlite;

    /// <summary>SQLite database file; a relative path is under the content root. Its directory is created.</summary>
    public string SqlitePath { get; set; } = "App_Data/capacityplanner.db";

    /// <summary>
    /// PostgreSQL connection string; when empty, <c>ConnectionStrings:CapacityPlanner</c> is used (the usual place, and
    /// what <c>ConnectionStrings__CapacityPlanner</c> sets from the environment).
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>Apply pending migrations when the app starts (several instances may start at once: EF Core takes a lock).</summary>
    public bool MigrateOnStartup { get; set; } = true;

    /// <summary>Seconds a database command may run.</summary>
    public int CommandTimeoutSeconds { get; set; } = 30;

    /// <summary>True when <see cref="Provider"/> names PostgreSQL (<c>Postgres</c> or <c>PostgreSQL</c>, any case).</summary>
    public bool IsPostgres =>
        string.Equals(Provider, Postgres, StringComparison.OrdinalIgnoreCase) || string.Equals(Provider, "PostgreSQL", StringComparison.OrdinalIgnoreCase);

    /// <summary>True when <see cref="Provider"/> names SQLite (or is empty).</summary>
    public bool IsSqlite => string.IsNullOrWhiteSpace(Provider) || string.Equals(Provider, Sqlite, StringComparison.OrdinalIgnoreCase);
}

/// <summary>Checks <see cref="DatabaseOptions"/> at start-up and says exactly which setting is wrong and how to fix it.</summary>
public sealed class DatabaseOptionsValidator : IValidateOptions<DatabaseOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, DatabaseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string S = DatabaseOptions.SectionName;
        var failures = new List<string>();
        if (!options.IsSqlite && !options.IsPostgres)
        {
            failures.Add($"{S}:Provider \"{options.Provider}\" is not supported; use \"{DatabaseOptions.Sqlite}\" (an embedded file, the default) or \"{DatabaseOptions.Postgres}\".");
        }
        if (options.IsSqlite)
        {
            if (string.IsNullOrWhiteSpace(options.SqlitePath))
            {
                failures.Add($"{S}:SqlitePath is empty; give the SQLite database file, e.g. \"App_Data/capacityplanner.db\".");
            }
            else if (options.SqlitePath.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
            {
                failures.Add($"{S}:SqlitePath \"{options.SqlitePath}\" contains characters that are not allowed in a path.");
            }
            else if (Directory.Exists(options.SqlitePath))
            {
                failures.Add($"{S}:SqlitePath \"{options.SqlitePath}\" is a directory; give a file inside it, e.g. \"{Path.Combine(options.SqlitePath, "capacityplanner.db")}\".");
            }
        }
        if (options.IsPostgres)
        {
            if (string.IsNullOrWhiteSpace(options.ConnectionString))
            {
                failures.Add($"{S}:Provider is {DatabaseOptions.Postgres} but there is no connection string: set ConnectionStrings:{DatabaseOptions.ConnectionStringName} " +
                             $"(environment: ConnectionStrings__{DatabaseOptions.ConnectionStringName}), e.g. \"Host=db;Database=capacityplanner;Username=app;Password=…\".");
            }
            else
            {
                try
                {
                    var cs = new NpgsqlConnectionStringBuilder(options.ConnectionString);
                    if (string.IsNullOrWhiteSpace(cs.Host)) failures.Add($"ConnectionStrings:{DatabaseOptions.ConnectionStringName} has no Host.");
                    if (string.IsNullOrWhiteSpace(cs.Database)) failures.Add($"ConnectionStrings:{DatabaseOptions.ConnectionStringName} has no Database.");
                }
                catch (ArgumentException ex)
                {
                    failures.Add($"ConnectionStrings:{DatabaseOptions.ConnectionStringName} is not a valid PostgreSQL connection string: {ex.Message}");
                }
            }
        }
        if (options.CommandTimeoutSeconds is < 1 or > 3600)
        {
            failures.Add($"{S}:CommandTimeoutSeconds must be between 1 and 3600, got {options.CommandTimeoutSeconds}.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

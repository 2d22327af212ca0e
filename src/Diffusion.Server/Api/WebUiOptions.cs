namespace Diffusion.Server.Api;

/// <summary>
/// Where the browser UI's files are, bound from the "WebUi" configuration section
/// (<c>WebUi__Directory=web</c> serves the source folder directly, so edits show on reload).
/// </summary>
public sealed class WebUiOptions
{
    public const string SectionName = "WebUi";

    /// <summary>The build copies the repository's <c>web/</c> here, beside the assemblies.</summary>
    public static string DefaultDirectory => Path.Combine(AppContext.BaseDirectory, "web");

    /// <summary>The folder holding index.html and dashboard.html; null or empty means <see cref="DefaultDirectory"/>.</summary>
    public string? Directory { get; set; }

    public string ResolvedDirectory => Path.GetFullPath(string.IsNullOrWhiteSpace(Directory) ? DefaultDirectory : Directory);

    /// <summary>What is wrong with the folder, or null when it can be served.</summary>
    public string? Problem()
    {
        var root = ResolvedDirectory;
        if (!System.IO.Directory.Exists(root))
            return $"WebUi:Directory '{root}' does not exist; build the project (it copies web/ there) or set WebUi:Directory to the web folder.";
        foreach (var page in WebUi.Pages.Values)
        {
            if (!File.Exists(Path.Combine(root, page)))
                return $"WebUi:Directory '{root}' has no {page}; point WebUi:Directory at the repository's web folder.";
        }
        return null;
    }
}

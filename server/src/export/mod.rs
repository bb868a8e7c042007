//! Directory exports: the formats ([`json`], [`csv`], [`ldif`]), the jobs behind
//! `/admin/export` ([`jobs`]) and its handlers ([`forms`]). The `export` command
//! ([`crate::cli`]) reads the directory the same way (`app::use_cases::exporting`) and writes
//! the same formats through [`render`].

pub mod csv;
pub mod forms;
pub mod jobs;
pub mod json;
pub mod ldif;

use app::domain::{DirectoryExport, ExportFormat, Organization};

/// The export written in `format` (`base_dn`, checked before, for LDIF).
pub fn render(export: &DirectoryExport, format: ExportFormat, base_dn: Option<&str>) -> Vec<u8> {
    match format {
        ExportFormat::Json => json::write(export),
        ExportFormat::Csv => csv::write(export),
        ExportFormat::Ldif => ldif::write(export, base_dn.unwrap_or_default()),
    }
    .into_bytes()
}

/// The download's file name: `<alias>-users.<format>`, with only safe characters.
pub fn file_name(organization: &Organization, format: ExportFormat) -> String {
    let alias: String = organization
        .alias
        .as_deref()
        .unwrap_or(&organization.id)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    format!("{alias}-users.{}", format.name())
}

/// The download's media type.
pub const fn content_type(format: ExportFormat) -> &'static str {
    match format {
        ExportFormat::Json => "application/json",
        ExportFormat::Csv => "text/csv; charset=utf-8",
        ExportFormat::Ldif => "text/x-ldif; charset=utf-8",
    }
}

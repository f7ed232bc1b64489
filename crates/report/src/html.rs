//! The HTML report: a standalone page (inline CSS, no scripts, no external
//! assets) rendered with minijinja.
//!
//! The template is named `plan.html`, so minijinja auto-escapes every value
//! for HTML: a product name holding `<script>` is shown, never run. The
//! template's context is the [`PlanView`] (see `docs/reports.md` for its
//! fields); operators can supply their own template through
//! [`crate::render_html_with_template`].

use crate::view::PlanView;
use crate::{RenderOptions, ReportError};
use minijinja::syntax::SyntaxConfig;
use minijinja::{Environment, UndefinedBehavior};
use skusync_model::Plan;

/// The built-in template.
pub const TEMPLATE: &str = include_str!("../templates/plan.html");

/// Renders the built-in HTML report.
pub fn render(plan: &Plan, options: &RenderOptions) -> Result<String, ReportError> {
    render_with(plan, options, TEMPLATE)
}

/// Renders with a caller's template source (auto-escaped as HTML).
pub fn render_with(
    plan: &Plan,
    options: &RenderOptions,
    template: &str,
) -> Result<String, ReportError> {
    let view = PlanView::new(plan, options);
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // Block tags on their own lines leave no blank lines behind.
    if let Ok(syntax) = SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .build()
    {
        env.set_syntax(syntax);
    }
    let mut html = env.render_named_str(
        "plan.html",
        template,
        minijinja::value::Value::from(minijinja::value::Serde(&view)),
    )?;
    if !html.ends_with('\n') {
        html.push('\n');
    }
    Ok(html)
}

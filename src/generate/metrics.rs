//! `generate metrics`: the Prometheus metrics of `cargo mvc new --metrics`
//! added to an application made without them, from the same templates: the
//! module, the chart's metrics Service and ServiceMonitor (when the
//! application has its chart), the dependency, and the blocks of `new`'s
//! templates marked as the metrics layer, each inserted where `new` puts it.

use anyhow::{Result, bail};

use super::database::{self, METRICS};
use super::new;
use crate::edit::manifest;
use crate::errors::nothing_written;
use crate::names::ProjectName;
use crate::plan::Plan;
use crate::project::Project;

pub fn generate(project: &Project) -> Result<Plan> {
    if project.metrics {
        bail!(
            nothing_written("the application already serves metrics (`metrics = true` in [package.metadata.mvc] of Cargo.toml)")
                .hint("its metrics are in src/app/metrics.rs")
        );
    }
    let name = ProjectName::parse(&project.name, &[]).map_err(nothing_written)?;
    let without = new::database_layer(&name, project.database, project.openapi);
    let p = new::Project {
        metrics: true,
        ..without.clone()
    };
    let mut plan = Plan::new(&project.root);
    plan.create(
        new::METRICS_MODULE,
        new::render(&p, "new/src/app/metrics.rs"),
    );
    let chart = format!("charts/{}", project.name);
    if project.root.join(&chart).join("Chart.yaml").is_file() {
        plan.create(
            format!("{chart}/{}", new::METRICS_CHART),
            new::render(&p, "new/charts/app/templates/metrics.yaml"),
        );
    }
    database::add_dependencies(&mut plan, &p, &without, |path, text| {
        manifest::set_mvc_flag(path, text, "metrics", true)
    })?;
    database::wire(&mut plan, METRICS, &p)?;
    Ok(plan)
}

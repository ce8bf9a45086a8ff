//! The Unix implementation of `cargo mvc serve`: the socket is inherited by
//! each app process as `LISTEN_FDS` file descriptor 3.

use std::net::TcpListener;
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use cargo_metadata::Message;
use command_fds::{CommandFdExt, FdMapping};
use notify::{RecommendedWatcher, RecursiveMode, Watcher};

use super::Options;
use crate::project::Project;
use crate::shell::{Shell, Tone};

/// Where the app finds the inherited socket, as systemd numbers them.
const LISTEN_FD: i32 = 3;
/// How long a stopping app may take to finish its requests.
const STOP_GRACE: Duration = Duration::from_secs(10);
/// Changes closer together than this are one change.
const DEBOUNCE: Duration = Duration::from_millis(300);

enum Event {
    Changed(Vec<PathBuf>),
    Interrupted,
}

pub fn run(project: &Project, options: &Options, shell: &Shell) -> Result<()> {
    let listener = TcpListener::bind((options.host.as_str(), options.port)).with_context(|| {
        format!(
            "could not listen on {}:{}; is another server running there? Choose another with `--port`",
            options.host, options.port
        )
    })?;
    let addr = listener.local_addr()?;
    let socket: OwnedFd = listener.into();

    let (tx, rx) = mpsc::channel::<Event>();
    let interrupt = tx.clone();
    ctrlc::set_handler(move || {
        let _ = interrupt.send(Event::Interrupted);
    })
    .context("could not install the Ctrl-C handler")?;

    // Keep the watcher alive for the whole loop.
    let _watcher = if options.reload {
        Some(watch(&project.root, tx.clone(), shell)?)
    } else {
        None
    };

    let mut app: Option<Child> = None;
    match build(project, options.release, shell) {
        Ok(exe) => app = Some(start(&exe, &project.root, &socket, options, shell)?),
        Err(e) if options.reload => shell.warn(format_args!("{e:#}; waiting for a change")),
        Err(e) => return Err(e),
    }
    shell.status("Serving", format_args!("http://{addr}"), Tone::Good);

    while let Ok(event) = rx.recv() {
        match event {
            Event::Interrupted => break,
            Event::Changed(paths) => {
                let shown: Vec<String> = paths
                    .iter()
                    .filter_map(|p| p.strip_prefix(&project.root).ok())
                    .map(|p| p.display().to_string())
                    .collect();
                shell.status("Changed", shown.join(", "), Tone::Good);
                match build(project, options.release, shell) {
                    Ok(exe) => {
                        if let Some(old) = app.take() {
                            stop(old, shell);
                        }
                        app = Some(start(&exe, &project.root, &socket, options, shell)?);
                    }
                    Err(e) => shell.warn(format_args!("{e:#}; the last good server keeps running")),
                }
            }
        }
    }
    if let Some(old) = app.take() {
        stop(old, shell);
    }
    Ok(())
}

/// Watches the sources of the app; changes arrive, debounced, on `tx`.
/// Only writes, creations and removals count: the build itself opens and
/// reads every source, and those accesses must not start another build.
fn watch(root: &Path, tx: mpsc::Sender<Event>, shell: &Shell) -> Result<RecommendedWatcher> {
    let target = root.join("target");
    let (raw_tx, raw_rx) = mpsc::channel::<notify::Result<notify::Event>>();
    let mut watcher = notify::recommended_watcher(raw_tx).context("could not watch the sources")?;
    let relevant = move |event: &notify::Event| {
        use notify::EventKind::{Create, Modify, Remove};
        use notify::event::ModifyKind;
        matches!(
            event.kind,
            Create(_)
                | Remove(_)
                | Modify(ModifyKind::Data(_) | ModifyKind::Name(_) | ModifyKind::Any)
        )
    };
    std::thread::spawn(move || {
        let changed = |event: notify::Event| -> Vec<PathBuf> {
            if !relevant(&event) {
                return Vec::new();
            }
            event
                .paths
                .into_iter()
                .filter(|p| !p.starts_with(&target) && !is_editor_temp(p))
                .collect()
        };
        while let Ok(first) = raw_rx.recv() {
            let mut paths = first.map(&changed).unwrap_or_default();
            if paths.is_empty() {
                continue;
            }
            // Gather the rest of a save (editors write in several steps).
            while let Ok(more) = raw_rx.recv_timeout(DEBOUNCE) {
                paths.extend(more.map(&changed).unwrap_or_default());
            }
            paths.sort();
            paths.dedup();
            if tx.send(Event::Changed(paths)).is_err() {
                break;
            }
        }
    });
    let mut watched = Vec::new();
    for (rel, mode) in [
        ("src", RecursiveMode::Recursive),
        ("templates", RecursiveMode::Recursive),
        ("migrations", RecursiveMode::Recursive),
        ("Cargo.toml", RecursiveMode::NonRecursive),
    ] {
        let path = root.join(rel);
        if path.exists() {
            watcher
                .watch(&path, mode)
                .with_context(|| format!("could not watch {rel}"))?;
            watched.push(rel);
        }
    }
    shell.status("Watching", watched.join(", "), Tone::Good);
    Ok(watcher)
}

/// Swap files and backups editors write beside the real ones.
fn is_editor_temp(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    name.starts_with(".#")
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
}

/// Builds the app's binary; cargo's progress and diagnostics go to the
/// terminal as usual. Returns the executable.
fn build(project: &Project, release: bool, shell: &Shell) -> Result<PathBuf> {
    let started = Instant::now();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args([
            "build",
            "--bin",
            &project.name,
            "--message-format=json-render-diagnostics",
        ])
        .current_dir(&project.root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped());
    if release {
        command.arg("--release");
    }
    let mut child = command.spawn().context("could not run cargo")?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut exe = None;
    for message in Message::parse_stream(std::io::BufReader::new(stdout)) {
        match message.context("could not read cargo's output")? {
            Message::CompilerArtifact(artifact) if artifact.target.name == project.name => {
                if let Some(path) = artifact.executable {
                    exe = Some(path.into_std_path_buf());
                }
            }
            Message::CompilerMessage(m) => {
                if let Some(rendered) = m.message.rendered {
                    shell.note(rendered.trim_end());
                }
            }
            _ => {}
        }
    }
    let status = child.wait().context("cargo did not finish")?;
    if !status.success() {
        bail!("the build failed");
    }
    let exe = exe.with_context(|| format!("cargo built no binary named `{}`", project.name))?;
    shell.status(
        "Built",
        format_args!(
            "{} in {:.1}s",
            project.name,
            started.elapsed().as_secs_f64()
        ),
        Tone::Good,
    );
    Ok(exe)
}

/// Starts `<exe> serve` on the shared socket, in the project's root, where
/// its relative paths (a SQLite file under `data/`) belong whichever folder
/// `cargo mvc serve` was run from.
fn start(
    exe: &Path,
    root: &Path,
    socket: &OwnedFd,
    options: &Options,
    shell: &Shell,
) -> Result<Child> {
    let fd = socket
        .as_fd()
        .try_clone_to_owned()
        .context("could not share the socket")?;
    let mut command = Command::new(exe);
    command
        .arg("serve")
        .current_dir(root)
        .envs(options.env.iter().map(|(k, v)| (k, v)))
        .env("LISTEN_FDS", "1")
        .env_remove("LISTEN_PID")
        .stdin(Stdio::null())
        .fd_mappings(vec![FdMapping {
            parent_fd: fd,
            child_fd: LISTEN_FD,
        }])
        .expect("one mapping cannot collide");
    let child = command
        .spawn()
        .with_context(|| format!("could not start {}", exe.display()))?;
    shell.status(
        "Running",
        format_args!("`{} serve` (pid {})", exe.display(), child.id()),
        Tone::Good,
    );
    Ok(child)
}

/// Asks the app to stop (SIGTERM: it finishes its requests) and waits; kills
/// it if it takes longer than [`STOP_GRACE`].
fn stop(mut child: Child, shell: &Shell) {
    if let Ok(Some(_)) = child.try_wait() {
        return;
    }
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
    let deadline = Instant::now() + STOP_GRACE;
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    shell.warn("the app did not stop in time; killing it");
    let _ = child.kill();
    let _ = child.wait();
}

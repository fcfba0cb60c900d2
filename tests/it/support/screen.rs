//! A ratatui backend for whole-app tests: a `TestBackend` that publishes every flushed screen
//! and counts the frames and cells written, so a test can wait for what a person would see (an event, not
//! a sleep) and check that an idle reader writes nothing.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ratatui::backend::{Backend, ClearType, TestBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use tokio::sync::watch;

pub struct Recording {
    inner: TestBackend,
    screens: watch::Sender<String>,
    cells: Arc<AtomicUsize>,
    frames: Arc<AtomicUsize>,
}

/// The test's side: the latest screen, and how many cells were ever written.
#[derive(Clone)]
pub struct Screen {
    screens: watch::Receiver<String>,
    cells: Arc<AtomicUsize>,
    frames: Arc<AtomicUsize>,
}

pub fn recording(width: u16, height: u16) -> (Recording, Screen) {
    let (tx, rx) = watch::channel(String::new());
    let cells = Arc::new(AtomicUsize::new(0));
    let frames = Arc::new(AtomicUsize::new(0));
    (
        Recording {
            inner: TestBackend::new(width, height),
            screens: tx,
            cells: cells.clone(),
            frames: frames.clone(),
        },
        Screen {
            screens: rx,
            cells,
            frames,
        },
    )
}

impl Screen {
    /// Waits (bounded) until the screen shows `text`; returns that screen.
    pub async fn wait_for(&mut self, text: &str) -> String {
        let found = tokio::time::timeout(
            Duration::from_secs(30),
            self.screens.wait_for(|s| s.contains(text)),
        )
        .await
        .ok()
        .and_then(Result::ok)
        .map(|screen| screen.clone());
        match found {
            Some(screen) => screen,
            None => panic!(
                "the screen never showed {text:?}; last screen:\n{}",
                self.now()
            ),
        }
    }

    pub fn now(&self) -> String {
        self.screens.borrow().clone()
    }

    /// Cells written to the terminal so far.
    pub fn cells_written(&self) -> usize {
        self.cells.load(Ordering::SeqCst)
    }

    /// Frames drawn so far (each `Terminal::draw` flushes once).
    pub fn frames(&self) -> usize {
        self.frames.load(Ordering::SeqCst)
    }
}

impl Backend for Recording {
    type Error = <TestBackend as Backend>::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let cells: Vec<_> = content.collect();
        self.cells.fetch_add(cells.len(), Ordering::SeqCst);
        self.inner.draw(cells.into_iter())
    }
    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.hide_cursor()
    }
    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.show_cursor()
    }
    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.inner.get_cursor_position()
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Self::Error> {
        self.inner.set_cursor_position(position)
    }
    fn clear(&mut self) -> Result<(), Self::Error> {
        self.inner.clear()
    }
    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Self::Error> {
        self.inner.clear_region(clear_type)
    }
    fn size(&self) -> Result<Size, Self::Error> {
        self.inner.size()
    }
    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.inner.window_size()
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        self.inner.flush()?;
        self.frames.fetch_add(1, Ordering::SeqCst);
        let _ = self.screens.send(format!("{}", self.inner));
        Ok(())
    }
}

//! `LocalResource::new`, `Action::new_local` and `Effect::new` with the page's closure (and its
//! future) behind pointers. Leptos copies the whole machinery (derived value, effect task,
//! future wrappers) for every distinct closure type it is given; through these helpers it gets
//! one closure type per value type instead, so pages share one copy. Resources and actions go
//! further: every one holds the same type-erased values ([`Fetch`], [`Act`]), so the app
//! carries a single copy of their machinery whatever its pages read and do.

use leptos::prelude::*;
use std::any::Any;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;

type Pending<T> = Pin<Box<dyn Future<Output = T>>>;
type Run<I, O> = Rc<dyn Fn(&I) -> Pending<O>>;
/// What every resource and action holds: a page's value, its type erased.
type Erased = Rc<dyn Any>;

/// The `T` behind `value`, which holds one by construction.
fn cast<T: 'static>(value: &Erased) -> &T {
    let any: &dyn Any = &**value;
    any.downcast_ref::<T>()
        .expect("an erased value is read as the type it was made from")
}

/// A value a page reads from the portal, read again when what its fetcher reads changes: a
/// [`LocalResource`] of a `T`.
pub struct Fetch<T> {
    inner: LocalResource<Erased>,
    /// How many of its reads have started and neither answered nor been given up.
    reading: RwSignal<u32>,
    value: PhantomData<fn() -> T>,
}

impl<T> Clone for Fetch<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Fetch<T> {}

impl<T: 'static> Fetch<T> {
    /// Reads the value, `None` until the first answer; tracked.
    pub fn with<R>(&self, f: impl FnOnce(Option<&T>) -> R) -> R {
        self.inner.with(|v| f(v.as_ref().map(cast::<T>)))
    }

    /// The value, `None` until the first answer; tracked.
    pub fn get(&self) -> Option<T>
    where
        T: Clone,
    {
        self.with(|v| v.cloned())
    }

    /// Reads it again now.
    pub fn refetch(&self) {
        self.inner.refetch();
    }

    /// Whether a read of it has not answered yet; tracked. Until it has, the value is still
    /// the previous answer's.
    pub fn reading(&self) -> bool {
        self.reading.get() > 0
    }
}

/// A read counted in its [`Fetch`]'s `reading` for as long as it lives: until it answers, or
/// is dropped unanswered.
struct InFlight(RwSignal<u32>);

impl InFlight {
    fn start(reading: RwSignal<u32>) -> Self {
        reading.try_update(|n| *n += 1);
        InFlight(reading)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.try_update(|n| *n = n.saturating_sub(1));
    }
}

/// A [`Fetch`] that runs `fetcher` (and re-runs it when what it reads changes).
pub fn resource<T, Fut>(fetcher: impl Fn() -> Fut + 'static) -> Fetch<T>
where
    T: 'static,
    Fut: Future<Output = T> + 'static,
{
    let reading = RwSignal::new(0);
    let erased = move || {
        let pending = fetcher();
        Box::pin(async move {
            let _in_flight = InFlight::start(reading);
            Rc::new(pending.await) as Erased
        }) as Pending<Erased>
    };
    Fetch {
        inner: resource_of(Rc::new(erased)),
        reading,
        value: PhantomData,
    }
}

fn resource_of(fetcher: Rc<dyn Fn() -> Pending<Erased>>) -> LocalResource<Erased> {
    LocalResource::new(move || fetcher())
}

/// Something a page does on request (sign in, preview, apply…): an [`Action`] from `I` to
/// `O`, both type-erased underneath like a [`Fetch`]'s value.
pub struct Act<I, O> {
    inner: Action<Erased, Erased>,
    types: PhantomData<fn(I) -> O>,
}

impl<I, O> Clone for Act<I, O> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<I, O> Copy for Act<I, O> {}

impl<I: 'static, O: 'static> Act<I, O> {
    /// Runs it with `input`.
    pub fn dispatch(&self, input: I) {
        self.inner.dispatch_local(Rc::new(input));
    }

    /// Whether a run has not finished yet.
    pub fn pending(&self) -> Memo<bool> {
        self.inner.pending()
    }

    /// What the latest run that finished gave, if any; tracked.
    pub fn value(&self) -> Option<O>
    where
        O: Clone,
    {
        self.inner
            .value()
            .with(|v| v.as_ref().map(|v| cast::<O>(v).clone()))
    }
}

/// An [`Act`] that runs `run` on each dispatched input, on this thread.
pub fn action<I, O, Fut>(run: impl Fn(&I) -> Fut + 'static) -> Act<I, O>
where
    I: 'static,
    O: 'static,
    Fut: Future<Output = O> + 'static,
{
    let erased = move |input: &Erased| {
        let pending = run(cast::<I>(input));
        Box::pin(async move { Rc::new(pending.await) as Erased }) as Pending<Erased>
    };
    Act {
        inner: action_of(Rc::new(erased)),
        types: PhantomData,
    }
}

fn action_of(run: Run<Erased, Erased>) -> Action<Erased, Erased> {
    Action::new_local(move |input: &Erased| run(input))
}

/// What this browser keeps under `key` across visits (its local storage), if anything.
pub fn remembered(key: &str) -> Option<String> {
    let storage = window().local_storage().ok().flatten()?;
    storage.get_item(key).ok().flatten()
}

/// Keeps `value` under `key` in this browser across visits. A browser that keeps nothing
/// (storage turned off or full) loses only the convenience.
pub fn remember(key: &str, value: &str) {
    if let Some(storage) = window().local_storage().ok().flatten() {
        let _ = storage.set_item(key, value);
    }
}

/// Runs `look` whenever this tab may have missed what another tab of the browser did (the
/// session is theirs too): when it is shown again, or its window comes back to the front; for
/// as long as the caller's owner lives.
pub fn on_seen_again(look: impl Fn() + Clone + 'static) {
    let again = look.clone();
    let shown_again = window_event_listener_untyped("visibilitychange", move |_| {
        if !document().hidden() {
            again();
        }
    });
    let to_the_front = window_event_listener_untyped("focus", move |_| look());
    on_cleanup(move || {
        shown_again.remove();
        to_the_front.remove();
    });
}

/// An [`Effect`]: runs `run` now and again whenever what it reads changes, for as long as its
/// owner (the page) lives.
pub fn effect(run: impl FnMut() + 'static) {
    effect_of(Box::new(run));
}

fn effect_of(run: Box<dyn FnMut()>) {
    Effect::new(run);
}

/// `resource`'s value, told to the views that read it only when it has changed: a refresh that
/// brings back what is already shown (a poll while nothing moved) redraws nothing, so the
/// keyboard focus, an open list and a screen reader's live region are left alone.
pub fn settled<T>(resource: Fetch<T>) -> Memo<Option<T>>
where
    T: Clone + PartialEq + Send + Sync + 'static,
{
    Memo::new(move |_| resource.get())
}

/// [`settled`] for a read that can fail: once a read succeeded, a later one that failed leaves
/// the value last read shown (its error is the page's to say), rather than an error in its
/// place at every blip; a read that never succeeded shows its error.
pub fn settled_keeping<T>(
    resource: Fetch<crate::api::ApiResult<T>>,
) -> Memo<Option<crate::api::ApiResult<T>>>
where
    T: Clone + PartialEq + Send + Sync + 'static,
{
    Memo::new(
        move |last: Option<&Option<crate::api::ApiResult<T>>>| match (resource.get(), last) {
            (Some(Err(_)), Some(Some(Ok(kept)))) => Some(Ok(kept.clone())),
            (read, _) => read,
        },
    )
}

/// Whether two errors say the same, whatever their request ids.
fn same_failure(a: &models::ApiError, b: &models::ApiError) -> bool {
    (&a.code, &a.message, &a.fields) == (&b.code, &b.message, &b.fields)
}

/// What a page shows of `resource`, told to its views only when it changed (see
/// [`settled`]): the value as last read, kept through a refresh that failed, and the latest
/// read's error, if it failed. A refresh failing again the same way (each answer has its own
/// request id) is no new error: its alert is not drawn, nor read out, again at every attempt,
/// and keeps the request id of the first.
pub fn last_read<T>(
    resource: Fetch<crate::api::ApiResult<T>>,
) -> (Memo<Option<T>>, Memo<Option<models::ApiError>>)
where
    T: Clone + PartialEq + Send + Sync + 'static,
{
    let value = Memo::new(move |last: Option<&Option<T>>| match resource.get() {
        Some(Ok(v)) => Some(v),
        _ => last.cloned().flatten(),
    });
    let error = Memo::new(move |last: Option<&Option<models::ApiError>>| {
        let now = resource.with(|r| r?.as_ref().err().cloned())?;
        match last {
            Some(Some(was)) if same_failure(was, &now) => Some(was.clone()),
            _ => Some(now),
        }
    });
    (value, error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_is_counted_until_it_answers_or_is_given_up() {
        let owner = Owner::new();
        owner.set();
        let reading = RwSignal::new(0);
        let first = InFlight::start(reading);
        let second = InFlight::start(reading);
        assert_eq!(reading.get_untracked(), 2);
        drop(first);
        assert_eq!(reading.get_untracked(), 1, "one read still under way");
        drop(second);
        assert_eq!(reading.get_untracked(), 0);

        // A read that outlives its page: nothing left to count it in, and nothing breaks.
        let orphan = InFlight::start(reading);
        owner.cleanup();
        assert!(reading.try_get_untracked().is_none(), "the page is gone");
        drop(orphan);
    }
}

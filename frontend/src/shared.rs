//! `LocalResource::new`, `Action::new_local` and `Effect::new` with the page's closure (and its
//! future) behind pointers. Leptos copies the whole machinery (derived value, effect task,
//! future wrappers) for every distinct closure type it is given; through these helpers it gets
//! one closure type per value type instead, so pages share one copy. Resources go further:
//! every one holds the same type-erased value ([`Fetch`]), so the app carries a single copy of
//! a resource's machinery whatever its pages read.

use leptos::prelude::*;
use std::any::Any;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;

type Pending<T> = Pin<Box<dyn Future<Output = T>>>;
type Run<I, O> = Rc<dyn Fn(&I) -> Pending<O>>;
/// What every resource holds: a page's value, its type erased.
type Erased = Rc<dyn Any>;

/// A value a page reads from the portal, read again when what its fetcher reads changes: a
/// [`LocalResource`] of a `T`.
pub struct Fetch<T> {
    inner: LocalResource<Erased>,
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
        self.inner.with(|v| {
            f(v.as_ref().map(|v| {
                let any: &dyn Any = &**v;
                any.downcast_ref::<T>().expect("a Fetch<T> holds a T")
            }))
        })
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
}

/// A [`Fetch`] that runs `fetcher` (and re-runs it when what it reads changes).
pub fn resource<T, Fut>(fetcher: impl Fn() -> Fut + 'static) -> Fetch<T>
where
    T: 'static,
    Fut: Future<Output = T> + 'static,
{
    let erased = move || {
        let pending = fetcher();
        Box::pin(async move { Rc::new(pending.await) as Erased }) as Pending<Erased>
    };
    Fetch {
        inner: resource_of(Rc::new(erased)),
        value: PhantomData,
    }
}

fn resource_of(fetcher: Rc<dyn Fn() -> Pending<Erased>>) -> LocalResource<Erased> {
    LocalResource::new(move || fetcher())
}

/// An [`Action`] that runs `run` on each dispatched input, on this thread.
pub fn action<I, O, Fut>(run: impl Fn(&I) -> Fut + 'static) -> Action<I, O>
where
    I: 'static,
    O: 'static,
    Fut: Future<Output = O> + 'static,
{
    action_of(Rc::new(move |input: &I| Box::pin(run(input)) as Pending<O>))
}

fn action_of<I: 'static, O: 'static>(run: Run<I, O>) -> Action<I, O> {
    Action::new_local(move |input: &I| run(input))
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

/// What a page shows of `resource`, told to its views only when it changed (see
/// [`settled`]): the value as last read, kept through a refresh that failed, and the latest
/// read's error, if it failed.
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
    let error = Memo::new(move |_| resource.with(|r| r?.as_ref().err().cloned()));
    (value, error)
}

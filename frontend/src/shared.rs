//! `LocalResource::new`, `Action::new_local` and `Effect::new` with the page's closure (and its
//! future) behind pointers. Leptos copies the whole machinery (derived value, effect task,
//! future wrappers) for every distinct closure type it is given; through these helpers it gets
//! one closure type per value type instead, so pages share one copy.

use leptos::prelude::*;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

type Pending<T> = Pin<Box<dyn Future<Output = T>>>;
type Run<I, O> = Rc<dyn Fn(&I) -> Pending<O>>;

/// A [`LocalResource`] that runs `fetcher` (and re-runs it when what it reads changes).
pub fn resource<T, Fut>(fetcher: impl Fn() -> Fut + 'static) -> LocalResource<T>
where
    T: 'static,
    Fut: Future<Output = T> + 'static,
{
    resource_of(Rc::new(move || Box::pin(fetcher()) as Pending<T>))
}

fn resource_of<T: 'static>(fetcher: Rc<dyn Fn() -> Pending<T>>) -> LocalResource<T> {
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
pub fn settled<T>(resource: LocalResource<T>) -> Memo<Option<T>>
where
    T: Clone + PartialEq + Send + Sync + 'static,
{
    Memo::new(move |_| resource.get())
}

/// What a page shows of `resource`, told to its views only when it changed (see
/// [`settled`]): the value as last read, kept through a refresh that failed, and the latest
/// read's error, if it failed.
pub fn last_read<T>(
    resource: LocalResource<crate::api::ApiResult<T>>,
) -> (Memo<Option<T>>, Memo<Option<models::ApiError>>)
where
    T: Clone + PartialEq + Send + Sync + 'static,
{
    let value = Memo::new(move |last: Option<&Option<T>>| match resource.get() {
        Some(Ok(v)) => Some(v),
        _ => last.cloned().flatten(),
    });
    let error = Memo::new(move |_| resource.with(|r| r.as_ref()?.as_ref().err().cloned()));
    (value, error)
}

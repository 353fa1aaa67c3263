//! Nothing to export: the black-box tests, the built portal driven through a real Chromium,
//! live in `tests/browser/`.

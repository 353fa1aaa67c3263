//! Entry point of the browser app: install the panic hook, keep the keyboard's place, and
//! mount [`frontend::App`].

fn main() {
    console_error_panic_hook::set_once();
    frontend::focus::keep_place();
    leptos::mount::mount_to_body(frontend::App);
}

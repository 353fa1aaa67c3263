//! Entry point of the browser app: install the panic hook and mount [`frontend::App`].

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(frontend::App);
}

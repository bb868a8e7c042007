//! Browser entry point of workmail-portal: hydrates the islands the server rendered.

/// Called by Leptos' islands loader once the wasm module is instantiated.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    app::hydrate_islands();
}

// Small browser helpers the pages call through JS interop.
window.webdemo = {
    // Copies text; false when the browser refuses (no clipboard outside https or localhost).
    copy: async (text) => {
        try {
            await navigator.clipboard.writeText(text);
            return true;
        } catch {
            return false;
        }
    },
    // Saves text as a file the browser downloads.
    download: (fileName, mediaType, text) => {
        const url = URL.createObjectURL(new Blob([text], { type: mediaType }));
        const link = Object.assign(document.createElement("a"), { href: url, download: fileName });
        document.body.appendChild(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(url), 1000);
    },
};

// When a dropped circuit is back, the server holds the page as it was before the drop: what was
// typed meanwhile, or sent just as the connection went, is only in the text boxes. Each text box
// (MudBlazor's multi-line fields: the prompts and texts) sends its value again, so that the page
// and the server agree before the next click.
document.getElementById("components-reconnect-modal")?.addEventListener("components-reconnect-state-changed", (event) => {
    if (event.detail.state !== "hide") return;
    for (const box of document.querySelectorAll("textarea:not([disabled]):not([readonly])")) {
        box.dispatchEvent(new Event("input", { bubbles: true }));
        box.dispatchEvent(new Event("change", { bubbles: true }));
    }
});

// Starts Blazor (App.razor loads it with autostart="false"). SignalR's client gives up after 30 s
// without a message from the server; a page busy laying out a large paste can miss the server's
// pings that long, so it waits as long as the server waits for it (InputLimits.BusyBrowserTimeout).
const serverTimeoutMs = Number(document.currentScript.dataset.serverTimeoutMs);
Blazor.start({
    circuit: { configureSignalR: builder => builder.withServerTimeout(serverTimeoutMs) },
});

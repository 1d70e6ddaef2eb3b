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

// Starts Blazor (App.razor loads it with autostart="false"). SignalR's client gives up after 30 s
// without a message from the server; a page busy laying out a large paste can miss the server's
// pings that long, so it waits as long as the server waits for it (InputLimits.BusyBrowserTimeout).
const serverTimeoutMs = Number(document.currentScript.dataset.serverTimeoutMs);
Blazor.start({
    circuit: { configureSignalR: builder => builder.withServerTimeout(serverTimeoutMs) },
});

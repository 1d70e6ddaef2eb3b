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
    // Moves to url, in place of the current history entry, only while the browser is still at
    // fromPath: the browser knows where its visitor is now; the server may not have heard yet that
    // they clicked away, and its own navigation would take them back.
    replaceIfStillAt: (fromPath, url) => {
        if (location.pathname !== fromPath) return false;
        Blazor.navigateTo(url, { replaceHistoryEntry: true });
        return true;
    },
};

// A lone UTF-16 surrogate in a text box (half an emoji, cut by a paste at the box's maxlength or
// by the program it was copied from) makes the server refuse the whole event, so the text never
// arrived and the page said the box was empty. Before Blazor reads the box (this listener runs
// first: window, capturing), each lone surrogate becomes U+FFFD, the replacement character, as a UTF-8 decoder does.
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
for (const type of ["input", "change"]) {
    window.addEventListener(type, (event) => {
        const box = event.target;
        if (!(box instanceof HTMLTextAreaElement || box instanceof HTMLInputElement)) return;
        const wellFormed = box.value.replace(loneSurrogate, "\uFFFD"); // one code unit for one: the caret stays put
        if (wellFormed === box.value) return;
        const { selectionStart, selectionEnd } = box;
        box.value = wellFormed;
        if (selectionStart !== null) box.setSelectionRange(selectionStart, selectionEnd);
    }, { capture: true });
}

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

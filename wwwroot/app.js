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

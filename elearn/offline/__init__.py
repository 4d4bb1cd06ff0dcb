"""Install to the home screen and read offline: the web app manifest, the service worker and the
page it shows when there is no network (the page script is elearn/static/offline.js)."""

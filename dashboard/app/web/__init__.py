"""The HTTP side of the app: sign-in and sign-out routes, the session cookie, the page
gate and security headers, served with the Streamlit pages by ``dashboard.app.server``."""

from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.generic import RedirectView

from kesu.web import views

app_name = "web"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="web:queue", permanent=False)),
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("queue/", views.queue, name="queue"),
    path("register/", views.register, name="register"),
    path("c/<str:number>/", views.detail, name="detail"),
    path("c/<str:number>/act/<str:action>/", views.act, name="act"),
]

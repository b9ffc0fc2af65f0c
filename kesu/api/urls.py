from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from kesu.api import views

app_name = "api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("v1/complaints/", views.ComplaintList.as_view(), name="complaints"),
    path("v1/complaints/<str:number>/", views.ComplaintDetail.as_view(), name="complaint"),
    path("v1/complaints/<str:number>/actions/", views.ActionList.as_view(), name="actions"),
    path("v1/complaints/<str:number>/actions/<str:action>/", views.ActionRun.as_view(), name="action"),
    path("v1/capa/", views.CapaReport.as_view(), name="capa"),
]

// Upload with a progress bar: the file goes up with XHR (so upload progress can be shown), then the
// page says it is validating and storing until the server answers with the batch page.
(function () {
  const form = document.getElementById('upload-form');
  if (!form || !window.FormData || !window.XMLHttpRequest) return;
  const bar = document.getElementById('upload-progress');
  const status = document.getElementById('upload-status');
  form.addEventListener('submit', function (event) {
    const input = form.querySelector('input[type=file]');
    if (!input.files || input.files.length === 0) return; // let the browser say the field is required
    event.preventDefault();
    const size = input.files[0].size;
    if (size > Number(form.dataset.maxBytes)) {
      // Said before sending hundreds of megabytes the server would refuse.
      status.textContent = form.dataset.tooLarge.replace('{0}', Math.round(size / 1048576).toLocaleString());
      status.classList.add('error');
      return;
    }
    status.classList.remove('error');
    const xhr = new XMLHttpRequest();
    xhr.open('POST', form.action || window.location.href);
    bar.hidden = false;
    form.querySelector('button[type=submit]').disabled = true;
    xhr.upload.addEventListener('progress', function (e) {
      if (e.lengthComputable) {
        bar.value = Math.round(100 * e.loaded / e.total);
        status.textContent = form.dataset.uploading + ' ' + bar.value + '%';
      }
    });
    xhr.upload.addEventListener('load', function () {
      bar.removeAttribute('value');
      status.textContent = form.dataset.processing;
    });
    xhr.addEventListener('load', function () {
      if (xhr.responseURL && xhr.responseURL !== window.location.href) {
        window.location.href = xhr.responseURL;
      } else {
        document.open();
        document.write(xhr.responseText);
        document.close();
      }
    });
    xhr.send(new FormData(form));
  });
})();
